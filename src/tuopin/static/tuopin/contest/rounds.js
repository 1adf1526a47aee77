// The projected page (大屏) of an arena contest round: htmx replaces the live part every few seconds when something
// changed; the ranking's bar chart is drawn on load and after every swap (no inline scripts: the CSP forbids them).
function drawRanking(root) {
  if (!window.echarts) return;
  root.querySelectorAll("[data-contest-chart]").forEach((element) => {
    if (element.dataset.drawn) return;
    const rows = JSON.parse(document.getElementById(element.dataset.source).textContent);
    const chart = window.echarts.init(element);
    chart.setOption({
      animation: false,
      grid: { left: 20, right: 80, top: 10, bottom: 10, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100, axisLabel: { fontSize: 20 } },
      yAxis: { type: "category", inverse: true, data: rows.map((r) => r.label), axisLabel: { fontSize: 24 } },
      series: [{
        name: element.dataset.label, type: "bar", barMaxWidth: 48,
        data: rows.map((r) => r.total),
        label: { show: true, position: "right", fontSize: 24, formatter: (p) => `${p.value.toFixed(2)} ${rows[p.dataIndex].grade}` },
        itemStyle: { color: "#9b1c1c" },
      }],
    });
    element.dataset.drawn = "yes";
    window.addEventListener("resize", () => chart.resize());
  });
}
document.addEventListener("htmx:beforeSwap", (event) => {
  if (!window.echarts) return;
  event.detail.target.querySelectorAll("[data-contest-chart]").forEach((element) => {
    const chart = window.echarts.getInstanceByDom(element);
    if (chart) chart.dispose();
  });
});
document.addEventListener("htmx:load", (event) => drawRanking(event.detail.elt));
window.addEventListener("load", () => drawRanking(document));
