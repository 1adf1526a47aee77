// The measures page: each indicator's part of M0 (w_j × censored headcount of j), stacked, one bar for the whole
// area and one per child area; a click on a child's bar opens its measures. No inline scripts (CSP).
function drawMeasures(root) {
  if (!window.echarts) return;
  root.querySelectorAll('[data-chart="mpi-contributions"]').forEach((element) => {
    const data = JSON.parse(document.getElementById(element.dataset.source).textContent);
    // app.js may have initialised this container already (it starts every [data-chart]): draw on that instance.
    const chart = window.echarts.getInstanceByDom(element) || window.echarts.init(element);
    const bars = data.bars;
    const share = (part, bar) => (bar.M0 > 0 ? ((100 * part) / bar.M0).toFixed(1) + "%" : "—");
    chart.setOption({
      grid: { left: 60, right: 10, top: 40, bottom: 70 },
      legend: {},
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: (items) => {
          const bar = bars[items[0].dataIndex];
          const lines = items.map((item) => `${item.marker}${item.seriesName} ${item.value.toFixed(4)}（${share(item.value, bar)}）`);
          return [`${bar.label} ${element.dataset.labelM0} ${bar.M0.toFixed(4)}`, ...lines].join("<br>");
        },
      },
      xAxis: { type: "category", data: bars.map((bar) => bar.label), axisLabel: { rotate: 40 } },
      yAxis: { type: "value", name: "M0" },
      series: data.indicators.map((indicator) => ({
        name: indicator.label,
        type: "bar",
        stack: "m0",
        barMaxWidth: 60,
        data: bars.map((bar) => bar.parts[indicator.name] || 0),
      })),
    });
    chart.on("click", (params) => {
      if (params.dataIndex === 0) return; // the whole area
      const query = new URLSearchParams({ area: bars[params.dataIndex].code, year: element.dataset.year, spec: element.dataset.spec });
      window.location.search = "?" + query.toString();
    });
    chart.on("finished", () => { element.dataset.drawn = "true"; }); // drawn and its animation over
    window.addEventListener("resize", () => chart.resize());
  });
}
window.addEventListener("load", () => drawMeasures(document));
