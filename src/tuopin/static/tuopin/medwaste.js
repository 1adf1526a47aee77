// The medical-waste pages' charts: the overview's findings by rule and each city's expected generation against its
// disposal capacity, a transfer point's weeks received and removed. A container names its data (a json_script element); no inline scripts (the Content-Security-Policy).
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
    if (element.dataset.medwasteChart === "pairs") {
      // Two bars per row side by side: each key of `data-keys` is a field of the rows, named by its data-label-KEY
      // (a city's expected generation and capacity; a point's week received and removed).
      const keys = element.dataset.keys.split(",");
      const label = (key) => element.dataset[`label${key[0].toUpperCase()}${key.slice(1)}`];
      chart.setOption({
        grid: { left: 10, right: 20, top: 30, bottom: 20, containLabel: true },
        legend: {},
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: rows.map((r) => r.label) },
        yAxis: { type: "value" },
        series: keys.map((key) => ({ name: label(key), type: "bar", data: rows.map((r) => r[key]) })),
      });
    }
    element.dataset.drawn = "yes";
    window.addEventListener("resize", () => chart.resize());
  });
});
