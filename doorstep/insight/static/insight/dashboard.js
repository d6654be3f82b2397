/* The dashboard's charts (issue 13): ECharts (insight/vendor/echarts.min.js, a static file)
   draws them from the page's data island (#dashboard-data, Django's json_script). No inline
   script; without JavaScript the chart boxes stay hidden and the tables carry every figure.
   Values are percentages; null (below the minimum n) leaves a gap. */
(function () {
  "use strict";

  function percent(value) {
    return value === null || value === undefined ? "—" : value + "%";
  }

  function draw(id, option) {
    var box = document.getElementById(id);
    if (!box || typeof echarts === "undefined") return;
    box.hidden = false;
    var chart = echarts.init(box, null, { renderer: "canvas" });
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function start() {
    var island = document.getElementById("dashboard-data");
    if (!island) return;
    var data = JSON.parse(island.textContent);
    var yAxis = { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } };
    var tooltip = { trigger: "axis", valueFormatter: percent };

    draw("chart-trend", {
      animation: false,
      tooltip: tooltip,
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 40, bottom: 32 },
      xAxis: { type: "category", data: data.trend.months },
      yAxis: yAxis,
      series: data.trend.series.map(function (s) {
        return { name: s.name, type: "line", data: s.data, connectNulls: false };
      })
    });

    if (data.children.areas.length) {
      draw("chart-children", {
        animation: false,
        tooltip: tooltip,
        legend: { top: 0 },
        grid: { left: 48, right: 16, top: 40, bottom: 64 },
        xAxis: { type: "category", data: data.children.areas, axisLabel: { rotate: 30 } },
        yAxis: yAxis,
        series: [{ name: data.children.name, type: "bar", data: data.children.data }]
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
