// A transfer point's page: the quarter's kilograms received and removed, week by week (as medwaste.js draws the
// overview's charts). The container names its data (a json_script element); no inline scripts (the CSP).
document.addEventListener("DOMContentLoaded", () => {
  if (!window.echarts) return;
  document.querySelectorAll("[data-medwaste-point-chart]").forEach((element) => {
    const rows = JSON.parse(document.getElementById(element.dataset.source).textContent);
    const chart = window.echarts.init(element);
    chart.setOption({
      grid: { left: 10, right: 20, top: 30, bottom: 20, containLabel: true },
      legend: {},
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: rows.map((r) => r.label) },
      yAxis: { type: "value" },
      series: [
        { name: element.dataset.labelReceived, type: "bar", data: rows.map((r) => r.received) },
        { name: element.dataset.labelRemoved, type: "bar", data: rows.map((r) => r.removed) },
      ],
    });
    element.dataset.drawn = "yes";
    window.addEventListener("resize", () => chart.resize());
  });
});
