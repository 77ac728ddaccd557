// The big screen: fits the 1920×1080 wall to the window, draws the charts (ECharts) and the
// map (Leaflet, no tiles unless configured), and opens the side panel (htmx) for a region or
// a case. Plain ES2017, no build step; every label comes from the page (gettext).
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("screen-config").textContent);
  const data = JSON.parse(document.getElementById("screen-charts").textContent);
  const T = config.labels;
  const wall = document.querySelector(".wall");
  const FONT = getComputedStyle(document.body).fontFamily;
  const COLOURS = {
    text: "#e2edff", muted: "#86a3cc", line: "rgba(58,150,255,0.18)", cyan: "#3ad6ff",
    gold: "#ffd25e", red: "#ff4d4f", yellow: "#fadb14", green: "#2ed573", orange: "#ff9f43",
  };
  const LIGHT_COLOUR = { red: COLOURS.red, yellow: COLOURS.yellow, green: COLOURS.green };

  // --- the wall fits any window -----------------------------------------------------------
  const charts = [];
  let map = null;
  function fit() {
    const scale = Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
    wall.style.transform = Math.abs(scale - 1) < 0.001 ? "" : "scale(" + scale + ")";
    charts.forEach((c) => c.resize());
    if (map) { map.invalidateSize(); }
  }
  window.addEventListener("resize", fit);
  fit();

  // --- clock ------------------------------------------------------------------------------
  const clock = document.getElementById("clock");
  const lang = document.documentElement.lang || "zh-CN";
  const zone = { timeZone: "Asia/Shanghai" };
  const dayFormat = new Intl.DateTimeFormat(lang, Object.assign({ year: "numeric", month: "2-digit", day: "2-digit" }, zone));
  const weekFormat = new Intl.DateTimeFormat(lang, Object.assign({ weekday: "short" }, zone));
  const timeFormat = new Intl.DateTimeFormat(lang, Object.assign({ hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }, zone));
  function tick() {
    const now = new Date();
    clock.textContent = dayFormat.format(now) + " " + weekFormat.format(now) + " " + timeFormat.format(now);
  }
  tick();
  setInterval(tick, 1000);

  // --- side panel (people on duty, one-click command) -------------------------------------
  const drawer = document.getElementById("drawer");
  const panel = document.getElementById("panel");
  function openPanel(url) {
    return htmx.ajax("GET", url, { target: "#panel", swap: "innerHTML" });
  }
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target === panel) { drawer.hidden = false; }
  });
  drawer.querySelector(".drawer-close").addEventListener("click", () => { drawer.hidden = true; });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { drawer.hidden = true; }
  });
  function caseUrl(number) { return config.caseUrl.replace("NUMBER", encodeURIComponent(number)); }
  function regionUrl(path, suffix) { return config.base + path + "/" + (suffix || ""); }

  // --- charts -----------------------------------------------------------------------------
  const axisLabel = { color: COLOURS.muted, fontSize: 14, fontFamily: FONT };
  function chart(id, option) {
    const el = document.getElementById(id);
    if (!el || !window.echarts) { return null; }
    const c = echarts.init(el, null, { renderer: "canvas" });
    c.setOption(Object.assign({
      backgroundColor: "transparent",
      textStyle: { fontFamily: FONT, color: COLOURS.text, fontSize: 15 },
      tooltip: {
        backgroundColor: "rgba(2,10,28,0.92)", borderColor: COLOURS.cyan,
        textStyle: { color: COLOURS.text, fontSize: 15, fontFamily: FONT },
      },
      animationDuration: 800,
    }, option));
    c.on("click", (p) => {
      const link = p.data && p.data.link;
      if (link) { window.location.href = link; }
    });
    el.dataset.ready = "1";
    charts.push(c);
    return c;
  }
  function gradient(from, to, horizontal) {
    return new echarts.graphic.LinearGradient(0, horizontal ? 0 : 1, horizontal ? 1 : 0, 0, [
      { offset: 0, color: from }, { offset: 1, color: to },
    ]);
  }
  function ranking(id, items, from, to) {
    const top = items.slice().sort((a, b) => b.value - a.value).slice(0, 20).reverse();
    return chart(id, {
      grid: { left: 8, right: 56, top: 4, bottom: 4, containLabel: true },
      tooltip: { trigger: "item", formatter: (p) => p.name + "：" + p.value + " " + T.cases },
      xAxis: { type: "value", show: false },
      yAxis: {
        type: "category", data: top.map((g) => g.name), axisLine: { show: false }, axisTick: { show: false },
        axisLabel: Object.assign({}, axisLabel, { color: COLOURS.text, fontSize: top.length > 14 ? 14 : 16, interval: 0 }),
      },
      series: [{
        type: "bar", data: top, barMaxWidth: 18, cursor: "pointer",
        itemStyle: { color: gradient(from, to, true), borderRadius: [0, 3, 3, 0] },
        label: {
          show: true, position: "right", color: COLOURS.gold, fontSize: 15, fontWeight: "bold",
          fontFamily: FONT,
        },
        showBackground: true, backgroundStyle: { color: "rgba(58,150,255,0.06)" },
      }],
    });
  }
  ranking("chart-places", data.places, "rgba(31,111,235,0.5)", COLOURS.cyan);
  ranking("chart-board", data.board, "rgba(255,159,67,0.35)", COLOURS.gold);

  const ringColours = ["#3ad6ff", "#ffd25e", "#2ed573", "#ff9f43", "#a78bfa", "#f472b6", "#60a5fa", "#94a3b8"];
  function ring(id, items, colours) {
    const sum = items.reduce((s, g) => s + g.value, 0);
    return chart(id, {
      color: colours,
      tooltip: { trigger: "item", formatter: (p) => p.name + "：" + p.value + " " + T.cases + "（" + p.percent + "%）" },
      legend: {
        orient: "vertical", right: 4, top: "middle", itemWidth: 12, itemHeight: 12, itemGap: 8,
        textStyle: { color: COLOURS.text, fontSize: 15, fontFamily: FONT },
        formatter: (name) => {
          const g = items.find((x) => x.name === name);
          const share = g && sum ? Math.round((1000 * g.value) / sum) / 10 : 0;
          return name + "  " + (g ? g.value : 0) + "  " + share + "%";
        },
      },
      series: [{
        type: "pie", radius: ["44%", "72%"], center: ["21%", "50%"], data: items, cursor: "pointer",
        label: { show: false }, itemStyle: { borderColor: "#020a1c", borderWidth: 2 },
      }],
    });
  }
  ring("chart-channel", data.channel, ringColours);
  ring("chart-solved", data.solved, ["#2ed573", "#3ad6ff", "#ffd25e", "#ff9f43"]);

  function trend(id, points, received, closed, lineForClosed) {
    return chart(id, {
      grid: { left: 6, right: 10, top: 30, bottom: 2, containLabel: true },
      legend: {
        top: 0, right: 0, itemWidth: 14, itemHeight: 8,
        textStyle: { color: COLOURS.text, fontSize: 14, fontFamily: FONT }, data: [T.received, T.closed],
      },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: {
        type: "category", data: points.map((p) => p.name), axisLabel: Object.assign({}, axisLabel, { fontSize: 13 }),
        axisLine: { lineStyle: { color: "rgba(58,150,255,0.4)" } }, axisTick: { show: false },
      },
      yAxis: {
        type: "value", axisLabel: Object.assign({}, axisLabel, { fontSize: 13 }),
        splitLine: { lineStyle: { color: COLOURS.line, type: "dashed" } },
      },
      series: [
        received(points.map((p) => p.received)),
        closed(points.map((p) => p.closed)),
      ],
    });
  }
  const line = (name, colour, area) => (items) => ({
    name: name, type: "line", data: items, smooth: 0.3, symbol: "circle", symbolSize: 6, cursor: "pointer",
    lineStyle: { color: colour, width: 2.5 }, itemStyle: { color: colour },
    areaStyle: area ? { color: gradient("rgba(58,214,255,0)", "rgba(58,214,255,0.35)") } : undefined,
  });
  const bars = (name, from, to) => (items) => ({
    name: name, type: "bar", data: items, barMaxWidth: 14, cursor: "pointer",
    itemStyle: { color: gradient(from, to), borderRadius: [3, 3, 0, 0] },
  });
  trend("chart-daily", data.daily, line(T.received, COLOURS.cyan, true), line(T.closed, COLOURS.gold, false));
  trend("chart-monthly", data.monthly,
    bars(T.received, "rgba(31,111,235,0.4)", COLOURS.cyan),
    bars(T.closed, "rgba(255,159,67,0.3)", COLOURS.gold));

  // --- map --------------------------------------------------------------------------------
  const SCALES = {
    open: ["#0d2b5c", "#12509e", "#1f82e0", "#3ad6ff", "#b9f3ff"],
    share: ["#0f3b3a", "#1d7a55", "#b8a214", "#ff7a45", "#ff3b3b"],
  };
  function hex(c) { return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)); }
  function scaleColour(stops, t) {
    const x = Math.max(0, Math.min(1, t)) * (stops.length - 1);
    const i = Math.min(Math.floor(x), stops.length - 2);
    const a = hex(stops[i]), b = hex(stops[i + 1]), f = x - i;
    return "rgb(" + a.map((v, k) => Math.round(v + (b[k] - v) * f)).join(",") + ")";
  }
  function pct(v) { return (Math.round(v * 1000) / 10) + "%"; }

  const el = document.getElementById("map");
  if (el && window.L) {
    map = L.map(el, {
      attributionControl: false, zoomControl: false, doubleClickZoom: false, zoomSnap: 0.1,
      preferCanvas: true, minZoom: 3, maxZoom: 19,
    });
    const renderer = L.canvas({ padding: 0.2, tolerance: 3 });
    if (config.tiles.url) {
      L.tileLayer(config.tiles.url, { subdomains: config.tiles.subdomains, maxZoom: 18 }).addTo(map);
    }
    let mode = "open";
    let regionsLayer = null;
    const legend = document.getElementById("map-legend");
    const summary = document.getElementById("map-summary");
    let maxOpen = 1, maxShare = 0.01;

    const styleOf = (f) => {
      const p = f.properties;
      if (f.geometry.type === "Point") { return {}; }
      if (p.self || p.open === undefined) {
        return { color: COLOURS.cyan, weight: 2, fillColor: "#0d2b5c", fillOpacity: 0.55, renderer };
      }
      const t = mode === "open" ? p.open / maxOpen : p.share / maxShare;
      return {
        color: "rgba(160,220,255,0.85)", weight: 1.2, fillOpacity: config.tiles.url ? 0.55 : 0.85,
        fillColor: scaleColour(SCALES[mode], t), renderer,
      };
    };
    const labelOf = (p) => {
      if (p.open === undefined) { return p.name; }
      const v = mode === "open" ? p.open : pct(p.share);
      return p.name + "<em>" + v + "</em>";
    };
    function drawLegend() {
      const stops = SCALES[mode];
      const high = mode === "open" ? String(maxOpen) : pct(maxShare);
      legend.innerHTML =
        '<div class="scale"><div>' + (mode === "open" ? T.open : T.share) + "</div>" +
        '<div class="bar" style="background:linear-gradient(90deg,' + stops.join(",") + ')"></div>' +
        '<div class="ends"><span>0</span><span>' + high + "</span></div></div>" +
        '<div class="lights">' + ["red", "yellow", "green"].map((k) =>
          '<span><i class="dot ' + k + '"></i>' + T[k] + "</span>").join("") + "</div>";
    }
    function restyle() {
      if (!regionsLayer) { return; }
      regionsLayer.eachLayer((layer) => {
        if (!layer.feature || layer.feature.geometry.type === "Point") { return; }
        layer.setStyle(styleOf(layer.feature));
        if (layer.getTooltip()) { layer.setTooltipContent(labelOf(layer.feature.properties)); }
      });
      drawLegend();
    }
    document.querySelectorAll(".map-tools button").forEach((button) => {
      button.addEventListener("click", () => {
        mode = button.dataset.mode;
        document.querySelectorAll(".map-tools button").forEach((b) => b.classList.toggle("on", b === button));
        restyle();
      });
    });

    const load = (url) => fetch(url, { credentials: "same-origin" }).then((r) => r.json());
    let casePoints = null;  // faded while the party layer is on
    load(config.mapUrl).then((geo) => {
      const children = geo.features.filter((f) => f.properties.open !== undefined);
      maxOpen = Math.max(1, ...children.map((f) => f.properties.open));
      maxShare = Math.max(0.01, ...children.map((f) => f.properties.share));
      if (geo.outline) {
        L.geoJSON(geo.outline, { interactive: false, style: { color: COLOURS.cyan, weight: 7, opacity: 0.25, fill: false, renderer } }).addTo(map);
      }
      const small = children.length > 24;
      if (!children.length) { el.parentNode.classList.add("no-children"); }
      regionsLayer = L.geoJSON(geo, {
        style: styleOf,
        pointToLayer: (f, latlng) => L.circleMarker(latlng, {
          radius: 3, color: "#7fb5ff", weight: 1, fillColor: "#1f82e0", fillOpacity: 0.7, renderer, interactive: false,
        }),
        onEachFeature: (f, layer) => {
          const p = f.properties;
          if (f.geometry.type === "Point") { return; }
          if (p.self) {
            layer.on("click", () => openPanel(regionUrl(p.path, "duty/?here=1")));
          }
          layer.bindTooltip(labelOf(p), {
            permanent: true, direction: "center", className: "region-label" + (small ? " small" : ""), interactive: false,
          });
          if (!p.drill) { return; }
          layer.on("mouseover", () => layer.setStyle({ weight: 3, color: "#ffffff" }));
          layer.on("mouseout", () => layer.setStyle(styleOf(f)));
          layer.on("click", () => openPanel(regionUrl(p.path, "duty/")));
          layer.on("dblclick", () => { window.location.href = regionUrl(p.path); });
        },
      }).addTo(map);
      const bounds = regionsLayer.getBounds();
      if (bounds.isValid()) { map.fitBounds(bounds, { padding: [24, 24] }); } else { map.setView([44.4, 126.9], 9); }
      // Regions too small on screen for a label show it on hover instead.
      regionsLayer.eachLayer((layer) => {
        if (!layer.getTooltip || !layer.getTooltip() || !layer.getBounds) { return; }
        const b = layer.getBounds();
        const size = map.latLngToContainerPoint(b.getNorthEast()).subtract(map.latLngToContainerPoint(b.getSouthWest()));
        if (Math.abs(size.x) < 64 || Math.abs(size.y) < 40) {
          const content = layer.getTooltip().getContent();
          layer.unbindTooltip();
          layer.bindTooltip(content, { direction: "top", className: "case-tip", sticky: true });
        }
      });
      el.dataset.regions = String(children.length || geo.features.length);
      const r = geo.region;
      summary.innerHTML =
        '<a href="' + r.openLink + '">' + T.open + " <b>" + r.open + "</b></a>" +
        '<a class="red" href="' + r.overdueLink + '">' + T.overdue + " <b>" + r.overdue + "</b></a>" +
        '<span id="points-count"></span>';
      drawLegend();
      return load(config.pointsUrl);
    }).then((pts) => {
      if (!pts) { return; }
      const layer = L.layerGroup();
      casePoints = layer;
      // Draw green first so that yellow and red lie on top.
      const order = { green: 0, yellow: 1, red: 2 };
      pts.points.slice().sort((a, b) => order[a[2]] - order[b[2]]).forEach((pt) => {
        const light = pt[2];
        const marker = L.circleMarker([pt[1], pt[0]], {
          radius: light === "red" ? 8 : light === "yellow" ? 6.5 : 5, renderer,
          color: "#020a1c", weight: 1.2, fillColor: LIGHT_COLOUR[light] || COLOURS.green, fillOpacity: 0.95,
        });
        marker.bindTooltip(pt[3] + " " + pt[4], { className: "case-tip", direction: "top" });
        marker.on("click", () => openPanel(caseUrl(pt[3])));
        layer.addLayer(marker);
      });
      layer.addTo(map);
      el.dataset.points = String(pts.shown);
      const count = document.getElementById("points-count");
      if (count) {
        count.textContent = T.points + " " + pts.shown + (pts.total > pts.shown ? "/" + pts.total : "");
      }
      el.dataset.ready = "1";
    }).catch((err) => { el.dataset.error = String(err); });

    // --- the party layer (党建图层): off by default, loaded on the first switch-on ----------
    const partyButton = document.querySelector(".map-layers button[data-layer='party']");
    const partyPanel = document.getElementById("party-summary");
    const P = T.party;
    const KIND_STYLE = {
      committee: { colour: "#e62429", radius: 10 },
      working_committee: { colour: "#a855f7", radius: 9.5 },
      general_branch: { colour: "#f97316", radius: 8 },
      branch: { colour: "#ffd25e", radius: 6.5, stroke: "#e62429" },
      group: { colour: "#14b8a6", radius: 5 },
    };
    const esc = (text) => String(text === null || text === undefined ? "" : text).replace(/[&<>"']/g,
      (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[ch]));
    const starText = (n) => (n ? "★".repeat(n) : P.unrated);
    let partyLayer = null;
    let partyLoading = null;
    function partyTip(p) {
      if (p.type === "centre") {
        return "<b>" + esc(p.name) + '</b><span class="k">' + esc(p.level_label || P.centre) + "</span>" +
          (p.region ? "<br>" + esc(P.region) + "：" + esc(p.region) : "");
      }
      let html = "<b>" + esc(p.name) + '</b><span class="k">' + esc(p.kind_label || P.kinds[p.kind] || p.kind) + "</span>" +
        "<br>" + esc(P.secretary) + "：" + esc(p.secretary || "—") +
        "　" + esc(P.members) + "：" + esc(p.members || 0) + " " + esc(P.people) +
        '<br>' + esc(P.stars) + '：<span class="stars">' + esc(starText(p.stars)) + "</span>";
      if (p.sunk !== null && p.sunk !== undefined) { html += "　" + esc(P.sunk) + "：" + esc(p.sunk); }
      return html;
    }
    function partySummary(s) {
      const starred = Object.keys(s.stars || {}).filter((k) => Number(k) >= 4)
        .reduce((sum, k) => sum + s.stars[k], 0);
      partyPanel.innerHTML =
        "<h3>" + esc(P.coverage) + " <b>" + pct(s.coverage || 0) + "</b></h3><dl>" +
        "<dt>" + esc(P.organisations) + "</dt><dd><b>" + esc(s.organisations) + "</b> " + esc(P.unit) + "</dd>" +
        "<dt>" + esc(P.memberTotal) + "</dt><dd><b>" + esc(s.members) + "</b> " + esc(P.people) + "</dd>" +
        "<dt>" + esc(P.sunkTotal) + "</dt><dd><b>" + esc(s.sunk) + "</b></dd>" +
        "<dt>" + esc(P.starred) + '</dt><dd><b>' + esc(starred) + "</b> " + esc(P.unit) + "</dd>" +
        "<dt>" + esc(P.centres) + "</dt><dd><b>" + esc(s.centres) + "</b> " + esc(P.unit) + "</dd></dl>" +
        '<div class="kinds">' + Object.keys(KIND_STYLE).map((k) =>
          '<span><i style="background:' + KIND_STYLE[k].colour + '"></i>' + esc(P.kinds[k]) + "</span>").join("") +
        '<span><i class="sq"></i>' + esc(P.centre) + "</span></div>";
    }
    function buildParty(geo) {
      const layer = L.layerGroup();
      const order = ["committee", "working_committee", "general_branch", "branch", "group"];
      const features = (geo.features || []).filter((f) => f.geometry && f.geometry.type === "Point");
      // Small organisations last so that they lie on top; centres as badges above them all.
      features.sort((a, b) => order.indexOf(a.properties.kind) - order.indexOf(b.properties.kind));
      // Many centres (a county's villages): small squares beside their place, else pins.
      const compact = features.filter((f) => f.properties.type === "centre").length > 40;
      features.forEach((f) => {
        const p = f.properties;
        const latlng = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
        let marker;
        if (p.type === "centre") {
          const icon = compact
            ? L.divIcon({ className: "party-centre compact", html: "<span></span>", iconSize: [10, 10], iconAnchor: [-3, 13] })
            : L.divIcon({ className: "party-centre", html: "<span>" + esc(P.centreShort) + "</span>", iconSize: [22, 28], iconAnchor: [11, 28], tooltipAnchor: [0, -26] });
          marker = L.marker(latlng, { icon, zIndexOffset: 1000 });
        } else {
          const style = KIND_STYLE[p.kind] || { colour: "#ffffff", radius: 5 };
          marker = L.circleMarker(latlng, {
            radius: style.radius, renderer, color: style.stroke || "#ffd25e", weight: 1.8, fillColor: style.colour, fillOpacity: 1,
          });
        }
        marker.bindTooltip(partyTip(p), { className: "party-tip", direction: "top" });
        marker.on("click", () => marker.openTooltip());
        layer.addLayer(marker);
      });
      partyLayer = layer;
      el.dataset.partyPoints = String(features.length);
      partySummary(geo.summary || {});
    }
    function fadeCases(faded) {
      if (!casePoints) { return; }
      casePoints.eachLayer((m) => m.setStyle(faded ? { opacity: 0.25, fillOpacity: 0.25 } : { opacity: 1, fillOpacity: 0.95 }));
    }
    const layersOn = () => document.querySelector(".map-layers button.on") !== null;
    if (partyButton) {
      partyButton.addEventListener("click", () => {
        const on = !partyButton.classList.contains("on");
        partyButton.classList.toggle("on", on);
        partyButton.setAttribute("aria-pressed", String(on));
        fadeCases(layersOn());
        if (!on) {
          if (partyLayer) { map.removeLayer(partyLayer); }
          partyPanel.hidden = true;
          el.dataset.party = "off";
          return;
        }
        partyLoading = partyLoading || load(config.partyUrl).then(buildParty);
        partyLoading.then(() => {
          if (!partyButton.classList.contains("on")) { return; }
          partyLayer.addTo(map);
          partyPanel.hidden = false;
          el.dataset.party = "on";
        }).catch((err) => { partyLoading = null; el.dataset.error = String(err); });
      });
    }

    // --- grid workers on duty now (在岗网格员): off by default, loaded on each switch-on ------
    const workersButton = document.querySelector(".map-layers button[data-layer='workers']");
    const workersLegend = document.getElementById("workers-legend");
    const W = T.workers;
    // Light dots with a dark rim stand out on the blue regions; a county's many are smaller.
    const WORKER_STYLE = {
      patrol: { colour: "#2ee59d", radius: 7.5, compact: 4.5 },
      checked_in: { colour: "#f2f8ff", radius: 6, compact: 3.5 },
    };
    let workersLayer = null;
    let workersLoading = null;
    function workerTip(p) {
      return "<b>" + esc(p.name) + '</b><span class="k">' + esc(p.kind_label || W.kinds[p.kind] || p.kind) + "</span>" +
        "<br>" + esc(W.grid) + "：" + esc(p.grid || p.grid_path) +
        '<br><span class="s-' + esc(p.status) + '">' + esc(p.status_label || W.status[p.status]) + "</span>　" +
        esc(p.since_text) + " " + esc(W.since);
    }
    function buildWorkers(geo) {
      const layer = L.layerGroup();
      const features = (geo.features || []).filter((f) => f.geometry && f.geometry.type === "Point");
      // Patrols last so that they lie on top.
      features.sort((a, b) => (a.properties.status === "patrol") - (b.properties.status === "patrol"));
      const compact = features.length > 300;
      features.forEach((f) => {
        const p = f.properties;
        const style = WORKER_STYLE[p.status] || WORKER_STYLE.checked_in;
        const marker = L.circleMarker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
          radius: compact ? style.compact : style.radius, renderer, color: "#020a1c", weight: compact ? 1 : 1.5,
          fillColor: style.colour, fillOpacity: 1,
        });
        marker.bindTooltip(workerTip(p), { className: "worker-tip", direction: "top" });
        marker.on("click", () => marker.openTooltip());
        layer.addLayer(marker);
      });
      const s = geo.summary || { total: features.length, patrol: 0, checked_in: 0 };
      workersLegend.innerHTML =
        "<h3>" + esc(W.title) + " <b>" + esc(s.total) + "</b> " + esc(W.people) + "</h3>" +
        '<div class="kinds">' + Object.keys(WORKER_STYLE).map((k) =>
          '<span><i style="background:' + WORKER_STYLE[k].colour + '"></i>' + esc(W.status[k]) + " <b>" + esc(s[k] || 0) + "</b></span>").join("") +
        "</div>";
      el.dataset.workerPoints = String(features.length);
      return layer;
    }
    if (workersButton) {
      workersButton.addEventListener("click", () => {
        const on = !workersButton.classList.contains("on");
        workersButton.classList.toggle("on", on);
        workersButton.setAttribute("aria-pressed", String(on));
        fadeCases(layersOn());
        if (!on) {
          if (workersLayer) { map.removeLayer(workersLayer); }
          workersLegend.hidden = true;
          el.dataset.workers = "off";
          return;
        }
        // On duty changes by the minute: fetched again at every switch-on.
        workersLoading = workersLoading || load(config.workersUrl).then(buildWorkers);
        workersLoading.then((layer) => {
          workersLoading = null;
          if (!workersButton.classList.contains("on")) { return; }
          if (workersLayer) { map.removeLayer(workersLayer); }
          workersLayer = layer.addTo(map);
          workersLegend.hidden = false;
          el.dataset.workers = "on";
        }).catch((err) => { workersLoading = null; el.dataset.error = String(err); });
      });
    }
  }
})();
