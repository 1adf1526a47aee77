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
    const data = rows[element.dataset.key] || rows.children || [];
    if (element.dataset.chart === "pie") {
      chart.setOption({
        tooltip: { trigger: "item" },
        series: [{
          type: "pie", radius: ["30%", "58%"],
          label: { formatter: "{b} {c}", overflow: "break", width: 72 },  // long labels wrap instead of being cut
          data: data.map((r) => ({ name: r.label, value: r.households })),
        }],
      });
    }
    if (element.dataset.chart === "bars") {
      chart.setOption({
        grid: { left: 10, right: 20, top: 10, bottom: 20, containLabel: true },
        tooltip: { trigger: "axis" },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: data.map((r) => r.label).reverse() },
        series: [{ type: "bar", data: data.map((r) => r.households).reverse() }],
      });
    }
    if (element.dataset.chart === "children") {
      chart.setOption({
        grid: { left: 50, right: 10, top: 30, bottom: 60 },
        legend: {},
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: data.map((r) => r.label), axisLabel: { rotate: 40 } },
        yAxis: { type: "value" },
        series: [
          { name: element.dataset.labelPoor, type: "bar", stack: "h", barMaxWidth: 60, data: data.map((r) => r.poor) },
          { name: element.dataset.labelExited, type: "bar", stack: "h", data: data.map((r) => r.households - r.poor) },
        ],
      });
      // Drill down: a click on a bar opens the dashboard of that child area.
      chart.on("click", (params) => { window.location.search = "?area=" + data[params.dataIndex].code; });
    }
    if (element.dataset.chart === "yearly") {
      const years = rows.yearly || [];
      chart.setOption({
        grid: { left: 50, right: 50, top: 30, bottom: 25 },
        legend: {},
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: years.map((r) => r.year) },
        yAxis: [{ type: "value", axisLabel: { formatter: "{value}%" } }, { type: "value" }],
        series: [
          { name: element.dataset.labelIncidence, type: "line", data: years.map((r) => r.incidence) },
          { name: element.dataset.labelPoor, type: "bar", yAxisIndex: 1, data: years.map((r) => r.poor_persons) },
        ],
      });
    }
    if (element.dataset.chart === "incidence") {
      chart.setOption({
        grid: { left: 50, right: 10, top: 20, bottom: 60 },
        tooltip: { trigger: "axis", valueFormatter: (v) => (v === null ? "—" : v.toFixed(2) + "%") },
        xAxis: { type: "category", data: data.map((r) => r.label), axisLabel: { rotate: 40 } },
        yAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
        series: [{
          name: element.dataset.label, type: "bar", barMaxWidth: 50,
          data: data.map((r) => ({ value: r.incidence, itemStyle: { color: r.below ? "#3a8a4f" : "#c0392b" } })),
          markLine: rows.threshold === null ? undefined : { symbol: "none", data: [{ yAxis: rows.threshold }] },
        }],
      });
      chart.on("click", (params) => { window.location.search = "?area=" + data[params.dataIndex].code; });
    }
    window.addEventListener("resize", () => chart.resize());
  });
}
window.addEventListener("load", () => drawCharts(document));
