// THE choropleth map of an area's children (the dashboards and the medical-waste board): the shapes shipped at
// element.dataset.shapes (tuopin.areas.maps.map_for), each coloured by its child's value. Every shape is a region:
// a shape without a row (a child outside the scope, or not yet counted) is drawn grey with its name; a row without
// a shape (a development zone) is left to the page's table. No inline scripts: the Content-Security-Policy.
(function () {
  function visualMap(values, unit) {
    const known = values.filter((v) => v !== null);
    return {
      min: known.length ? Math.min(...known) : 0,
      max: known.length ? Math.max(...known, Math.min(...known) + 1e-9) : 1,
      left: 10, bottom: 10, calculable: true, text: ["", unit], precision: unit === "%" ? 2 : 0,
      inRange: { color: ["#fff5eb", "#fdae6b", "#e6550d", "#7f2704"] },
    };
  }

  // options: rows ([{code, label, …}]), value (row → number or null), label and unit of the measure, and
  // onClick (the code of a clicked child with a row). Resolves to the chart once drawn (element.dataset.drawn).
  async function draw(element, options) {
    const shapes = await (await fetch(element.dataset.shapes)).json();
    const name = "tuopin-" + element.dataset.shapes;
    window.echarts.registerMap(name, shapes);
    const byCode = Object.fromEntries(options.rows.map((r) => [r.code, r]));
    const rows = shapes.features.map((f) => byCode[f.properties.code] || { code: f.properties.code, label: f.properties.name, none: true });
    const values = rows.map((r) => (r.none ? null : options.value(r)));
    const unit = options.unit || "";
    const chart = window.echarts.init(element);
    chart.setOption({
      tooltip: {
        trigger: "item",
        formatter: (p) => `${p.data ? p.data.label : p.name}<br>${options.label}：${p.value === undefined || p.value === null || isNaN(p.value) ? "—" : p.value + unit}`,
      },
      toolbox: { feature: { saveAsImage: { title: "PNG" } } },
      visualMap: visualMap(values, unit),
      series: [{
        type: "map", map: name, nameProperty: "code", roam: false, selectedMode: false,
        layoutCenter: ["50%", "50%"], layoutSize: "95%",
        label: { show: true, fontSize: 11, formatter: (p) => (p.data ? p.data.label : "") },
        data: rows.map((r, i) => ({ name: r.code, label: r.label, value: values[i], none: r.none })),
      }],
    });
    if (options.onClick) chart.on("click", (p) => { if (p.data && !p.data.none) options.onClick(p.data.name); });
    element.dataset.drawn = "1";
    window.addEventListener("resize", () => chart.resize());
    return chart;
  }

  window.tuopinMaps = { draw };
})();
