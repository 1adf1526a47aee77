// The dashboard's own charts: the children on a map coloured by the chosen measure (maps.js; bars where no shapes ship),
// the trend by year; every chart of the page (these and app.js's) gets a PNG export. Clicking a region or a bar
// opens that child area's dashboard. No inline scripts: the Content-Security-Policy forbids them.
(function () {
  function measureValue(row, measure, year, from) {
    if (from === "year") return ((row.yearly || {})[year] || {})[measure] ?? null;
    if (from === "measures") return (row.measures || {})[measure] ?? null;
    if (from === "programme") {
      const value = (row.programme || {})[measure];
      return value === null || value === undefined ? null : Number(value);
    }
    return row[measure] ?? null;
  }

  function drill(code) {
    const params = new URLSearchParams(window.location.search);
    params.set("area", code);
    window.location.search = params.toString();
  }

  function drawMap(element, data) {
    // THE map of maps.js; children without a shape (development zones) are in the table below.
    const measure = element.dataset.measure;
    const spec = data.measures[measure];
    return window.tuopinMaps.draw(element, {
      rows: data.children,
      value: (r) => measureValue(r, measure, element.dataset.year, spec.from),
      label: spec.label,
      unit: spec.unit,
      onClick: drill,
    });
  }

  function drawBars(element, data) {
    const measure = element.dataset.measure;
    const spec = data.measures[measure];
    const rows = data.children;
    const chart = window.echarts.init(element);
    chart.setOption({
      grid: { left: 50, right: 10, top: 30, bottom: 70 },
      tooltip: { trigger: "axis" },
      toolbox: { feature: { saveAsImage: { title: "PNG" } } },
      xAxis: { type: "category", data: rows.map((r) => r.label), axisLabel: { rotate: 40 } },
      yAxis: { type: "value", name: spec.label + (spec.unit ? "（" + spec.unit + "）" : "") },
      series: [{ type: "bar", barMaxWidth: 50, data: rows.map((r) => measureValue(r, measure, element.dataset.year, spec.from)) }],
    });
    chart.on("click", (p) => drill(rows[p.dataIndex].code));
    element.dataset.drawn = "1";
    window.addEventListener("resize", () => chart.resize());
  }

  function drawTrend(element, data) {
    const rows = data.trend;
    const chart = window.echarts.init(element);
    chart.setOption({
      grid: { left: 50, right: 50, top: 40, bottom: 25 },
      legend: {},
      tooltip: { trigger: "axis" },
      toolbox: { feature: { saveAsImage: { title: "PNG" } } },
      xAxis: { type: "category", data: rows.map((r) => r.year) },
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", axisLabel: { formatter: "{value}%" } }],
      series: [
        { name: element.dataset.labelIdentified, type: "bar", data: rows.map((r) => r.identified) },
        { name: element.dataset.labelExited, type: "bar", data: rows.map((r) => r.exited) },
        { name: element.dataset.labelIncidence, type: "line", yAxisIndex: 1, connectNulls: true, data: rows.map((r) => r.incidence) },
      ],
    });
    element.dataset.drawn = "1";
    window.addEventListener("resize", () => chart.resize());
  }

  function drawContributions(element, data) {
    // Each indicator's share of the area's adjusted headcount ratio M0 (they sum to 100%), one stacked bar.
    const rows = data.contributions;
    const chart = window.echarts.init(element);
    chart.setOption({
      grid: { left: 10, right: 10, top: 30, bottom: 10, containLabel: true },
      legend: {},
      tooltip: { trigger: "item", valueFormatter: (v) => v.toFixed(1) + "%" },
      toolbox: { feature: { saveAsImage: { title: "PNG" } } },
      xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", data: ["M0"] },
      series: rows.map((r) => ({ name: r.label, type: "bar", stack: "m", data: [Math.round(r.share * 1000) / 10] })),
    });
    element.dataset.drawn = "1";
    window.addEventListener("resize", () => chart.resize());
  }

  window.addEventListener("load", () => {
    if (!window.echarts) return;
    document.querySelectorAll("[data-dashboard-chart]").forEach((element) => {
      const data = JSON.parse(document.getElementById(element.dataset.source).textContent);
      const kind = element.dataset.dashboardChart;
      if (kind === "map") drawMap(element, data);
      if (kind === "bars") drawBars(element, data);
      if (kind === "trend") drawTrend(element, data);
      if (kind === "contributions") drawContributions(element, data);
    });
    // app.js drew the shared charts on the same load event, before this (it is loaded first): give them PNG too.
    document.querySelectorAll("[data-chart]").forEach((element) => {
      const chart = window.echarts.getInstanceByDom(element);
      if (chart) chart.setOption({ toolbox: { feature: { saveAsImage: { title: "PNG" } } } });
    });
  });
})();
