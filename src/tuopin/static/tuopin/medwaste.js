// The medical-waste overview's charts: findings by rule, and each city's expected generation against its disposal
// capacity. A container names its data (a json_script element); no inline scripts (the Content-Security-Policy).
document.addEventListener("DOMContentLoaded", () => {
  if (!window.echarts) return;
  document.querySelectorAll("[data-medwaste-chart]").forEach((element) => {
    const rows = JSON.parse(document.getElementById(element.dataset.source).textContent);
    const chart = window.echarts.init(element);
    if (element.dataset.medwasteChart === "rules") {
      const data = rows.children || [];
      chart.setOption({
        grid: { left: 10, right: 20, top: 10, bottom: 20, containLabel: true },
        tooltip: { trigger: "axis" },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: data.map((r) => r.label).reverse() },
        series: [{ type: "bar", data: data.map((r) => r.households).reverse() }],
      });
    }
    if (element.dataset.medwasteChart === "capacity") {
      chart.setOption({
        grid: { left: 10, right: 20, top: 30, bottom: 20, containLabel: true },
        legend: {},
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: rows.map((r) => r.label) },
        yAxis: { type: "value" },
        series: [
          { name: element.dataset.labelExpected, type: "bar", data: rows.map((r) => r.expected) },
          { name: element.dataset.labelCapacity, type: "bar", data: rows.map((r) => r.capacity) },
        ],
      });
    }
    window.addEventListener("resize", () => chart.resize());
  });
});
