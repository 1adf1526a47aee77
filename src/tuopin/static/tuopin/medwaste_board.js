// The medical-waste board's charts: the children on THE map of maps.js coloured by the chosen measure (bars where
// no shapes ship), a click opening that child's board; each city's expected generation against its disposal
// capacity with the gap labelled. A container names its data (a json_script element); no inline scripts (CSP).
(function () {
  function drill(code) {
    const params = new URLSearchParams(window.location.search);
    params.set("area", code);
    params.delete("export");
    window.location.search = params.toString();
  }

  function drawBars(element, data) {
    const rows = data.rows;
    const chart = window.echarts.init(element);
    chart.setOption({
      grid: { left: 10, right: 30, top: 10, bottom: 20, containLabel: true },
      tooltip: { trigger: "axis" },
      toolbox: { feature: { saveAsImage: { title: "PNG" } } },
      xAxis: { type: "value", name: data.unit },
      yAxis: { type: "category", data: rows.map((r) => r.label).reverse() },
      series: [{ name: data.label, type: "bar", barMaxWidth: 30, data: rows.map((r) => r[data.measure]).reverse() }],
    });
    chart.on("click", (p) => drill(rows[rows.length - 1 - p.dataIndex].code));
    element.dataset.drawn = "1";
    window.addEventListener("resize", () => chart.resize());
  }

  function drawCapacity(element, rows) {
    const chart = window.echarts.init(element);
    const gap = element.dataset.labelGap;
    chart.setOption({
      grid: { left: 10, right: 20, top: 30, bottom: 20, containLabel: true },
      legend: {},
      tooltip: { trigger: "axis" },
      toolbox: { feature: { saveAsImage: { title: "PNG" } } },
      xAxis: { type: "category", data: rows.map((r) => r.label) },
      yAxis: { type: "value" },
      series: [
        {
          name: element.dataset.labelExpected, type: "bar", data: rows.map((r) => r.expected),
          label: { show: true, position: "top", formatter: (p) => (rows[p.dataIndex].gap > 0 ? `${gap} ${rows[p.dataIndex].gap.toFixed(3)}` : "") },
        },
        { name: element.dataset.labelCapacity, type: "bar", data: rows.map((r) => r.capacity) },
      ],
    });
    element.dataset.drawn = "1";
    window.addEventListener("resize", () => chart.resize());
  }

  window.addEventListener("load", () => {
    if (!window.echarts) return;
    document.querySelectorAll("[data-board-chart]").forEach((element) => {
      const data = JSON.parse(document.getElementById(element.dataset.source).textContent);
      const kind = element.dataset.boardChart;
      if (kind === "map") {
        window.tuopinMaps.draw(element, {
          rows: data.rows, value: (r) => r[data.measure], label: data.label, unit: data.unit, onClick: drill,
        });
      }
      if (kind === "bars") drawBars(element, data);
      if (kind === "capacity") drawCapacity(element, data);
    });
  });
})();
