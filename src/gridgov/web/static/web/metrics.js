/* The assessment page's 12-month trend (ECharts, vendored): received and closed per month as
   bars, 办结率 as a line; a click on a bar opens the case list behind it. */
(function () {
  "use strict";
  const el = document.getElementById("metrics-trend");
  const source = document.getElementById("metrics-trend-data");
  if (!el || !source || !window.echarts) { return; }
  const data = JSON.parse(source.textContent);
  const T = data.labels;
  const points = data.points;
  const chart = window.echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    animationDuration: 400,
    color: ["#93c5fd", "#1d4ed8", "#b8202e"],
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      formatter: function (items) {
        const p = points[items[0].dataIndex];
        const rate = p.rate === null ? "—" : p.rate.toFixed(2) + "%";
        return p.title + "<br>" + T.received + "：" + p.received + " " + T.cases +
          "<br>" + T.closed + "：" + p.closed + " " + T.cases + "<br>" + T.rate + "：" + rate;
      },
    },
    legend: { bottom: 0, data: [T.received, T.closed, T.rate] },
    grid: { left: 8, right: 8, top: 32, bottom: 32, containLabel: true },
    xAxis: { type: "category", data: points.map(function (p) { return p.label; }) },
    yAxis: [
      { type: "value", name: T.cases, minInterval: 1, splitLine: { lineStyle: { color: "#eef0f3" } } },
      { type: "value", name: T.rate, min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } },
    ],
    series: [
      { name: T.received, type: "bar", barMaxWidth: 22, data: points.map(function (p) { return p.received; }), cursor: "pointer" },
      { name: T.closed, type: "bar", barMaxWidth: 22, data: points.map(function (p) { return p.closed; }), cursor: "pointer" },
      { name: T.rate, type: "line", yAxisIndex: 1, smooth: false, symbolSize: 6, connectNulls: false,
        data: points.map(function (p) { return p.rate; }) },
    ],
  });
  chart.on("click", function (event) {
    const point = points[event.dataIndex];
    if (!point) { return; }
    const url = event.seriesIndex === 0 ? point.receivedUrl : point.closedUrl;
    if (url) { window.location.href = url; }
  });
  chart.on("finished", function () { el.dataset.ready = "1"; });
  window.addEventListener("resize", function () { chart.resize(); });
})();
