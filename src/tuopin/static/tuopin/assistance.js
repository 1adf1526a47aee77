// Charts of the assistance pages (no inline scripts: the Content-Security-Policy forbids them).
window.addEventListener("load", () => {
  document.querySelectorAll("[data-assistance-chart]").forEach((element) => {
    const rows = JSON.parse(document.getElementById(element.dataset.source).textContent);
    const chart = window.echarts.init(element);
    const kind = element.dataset.assistanceChart;
    if (kind === "funds") {
      const data = rows.projects || [];
      chart.setOption({
        grid: { left: 60, right: 20, top: 30, bottom: 70 },
        legend: {},
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: data.map((r) => r.label), axisLabel: { rotate: 30 } },
        yAxis: { type: "value" },
        series: [
          { name: element.dataset.labelAllocated, type: "bar", data: data.map((r) => r.allocated) },
          { name: element.dataset.labelDisbursed, type: "bar", data: data.map((r) => r.disbursed) },
        ],
      });
    }
    if (kind === "compliance") {
      const data = rows.compliance || [];
      chart.setOption({
        grid: { left: 10, right: 20, top: 25, bottom: 20, containLabel: true },
        legend: {},
        tooltip: { trigger: "axis" },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: data.map((r) => r.label) },
        series: [
          { name: element.dataset.labelMet, type: "bar", stack: "n", data: data.map((r) => r.met) },
          { name: element.dataset.labelMissed, type: "bar", stack: "n", data: data.map((r) => r.missed) },
        ],
      });
    }
    window.addEventListener("resize", () => chart.resize());
  });
});
