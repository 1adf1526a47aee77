// Behaviour shared by every page. No inline scripts: the Content-Security-Policy forbids them.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("select.auto-submit").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
});
document.addEventListener("htmx:configRequest", (event) => {
  event.detail.headers["X-CSRFToken"] = document.body.dataset.csrf;
});

// Charts: a container names its data (a json_script element) and its kind; ECharts draws it.
function drawCharts(root) {
  if (!window.echarts) return;
  root.querySelectorAll("[data-chart]").forEach((element) => {
    const rows = JSON.parse(document.getElementById(element.dataset.source).textContent);
    const chart = window.echarts.init(element);
    if (element.dataset.chart === "income") {
      chart.setOption({
        grid: { left: 50, right: 10, top: 10, bottom: 25 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: rows.map((r) => r.year) },
        yAxis: { type: "value" },
        series: [{ name: element.dataset.label, type: "line", data: rows.map((r) => r.per_capita), smooth: true }],
      });
    }
    window.addEventListener("resize", () => chart.resize());
  });
}
window.addEventListener("load", () => drawCharts(document));
