// The party map (党建地图): the region's children as outlines (offline, no tiles), the party
// organisations as dots styled by kind and the service centres as badges, filters by kind and
// level (the layer is fetched again), popups, and drill-down by clicking a child region.
// Plain ES2017, no build step; every label comes from the page (gettext).
(function () {
  "use strict";
  var el = document.getElementById("map");
  var source = document.getElementById("party-map-config");
  if (!el || !source || !window.L) { return; }
  var config = JSON.parse(source.textContent);
  var T = config.labels;
  var STYLE = {
    committee: { colour: "#b8202e", radius: 12 },
    working_committee: { colour: "#7b2cbf", radius: 11 },
    general_branch: { colour: "#e8590c", radius: 9 },
    branch: { colour: "#e0a800", radius: 7 },
    group: { colour: "#2f9e44", radius: 5 }
  };
  var DEFAULT_STYLE = { colour: "#6b7280", radius: 6 };
  var palette = ["#fde8ea", "#fdf0d5", "#e7f0fd", "#e6f4ea", "#f3e8fd", "#fff4e0", "#e0f2f1", "#fce4ec"];

  var map = L.map(el, { attributionControl: false, zoomSnap: 0.25, preferCanvas: false });
  // No hover names over an open popup.
  map.on("popupopen", function () { el.classList.add("has-popup"); });
  map.on("popupclose", function () { el.classList.remove("has-popup"); });
  var outlines = null;
  var points = L.layerGroup().addTo(map);
  var framed = false;

  function escape(text) {
    return String(text === null || text === undefined ? "" : text).replace(/[&<>"']/g, function (ch) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[ch];
    });
  }
  function stars(n) {
    n = Number(n) || 0;
    if (!n) { return '<span class="muted">' + escape(T.unrated) + "</span>"; }
    return '<span class="stars" aria-label="' + n + '">' + "★".repeat(n) + '<span class="off">' + "★".repeat(Math.max(0, 5 - n)) + "</span></span>";
  }
  function row(label, value) {
    return "<tr><th>" + escape(label) + "</th><td>" + value + "</td></tr>";
  }
  function popupOf(p) {
    var html = '<div class="party-popup"><h3>' + escape(p.name) + "</h3>";
    if (p.type === "centre") {
      html += '<p class="kind centre">' + escape(p.kind_label || T.centre) + (p.level_label ? " · " + escape(p.level_label) : "") + "</p><table>";
      if (p.region) { html += row(T.region, escape(p.region)); }
      if (p.address) { html += row(T.address, escape(p.address)); }
      if (p.phone) { html += row(T.phone, escape(p.phone)); }
      if (p.opening_hours) { html += row(T.hours, escape(p.opening_hours)); }
      return html + "</table></div>";
    }
    var style = STYLE[p.kind] || DEFAULT_STYLE;
    html += '<p class="kind" style="--kind:' + style.colour + '">' + escape(p.kind_label || T.kinds[p.kind] || p.kind) +
      (p.level && T.levels[p.level] ? ' <span class="muted">· ' + escape(T.levels[p.level]) + "</span>" : "") + "</p><table>";
    html += row(T.secretary, p.secretary ? escape(p.secretary) : '<span class="muted">' + escape(T.none) + "</span>");
    html += row(T.members, escape(p.members || 0) + " " + escape(T.people));
    html += row(T.stars, stars(p.stars));
    if (p.sunk !== null && p.sunk !== undefined) { html += row(T.sunk, escape(p.sunk)); }
    if (p.region) { html += row(T.region, escape(p.region)); }
    return html + "</table></div>";
  }
  var compact = false;  // many centres: small squares instead of pins
  function markerOf(f, latlng) {
    var p = f.properties;
    if (p.type === "centre" && compact) {
      return L.marker(latlng, {
        icon: L.divIcon({ className: "party-centre compact", html: "<span></span>", iconSize: [9, 9], iconAnchor: [-3, 12] }),
        title: p.name, riseOnHover: true
      });
    }
    if (p.type === "centre") {
      return L.marker(latlng, {
        // A pin standing above the point, so that the organisation of the same place stays
        // visible and clickable under it.
        icon: L.divIcon({ className: "party-centre", html: "<span>" + escape(T.centreShort) + "</span>", iconSize: [20, 26], iconAnchor: [10, 26], popupAnchor: [0, -24], tooltipAnchor: [0, -24] }),
        title: p.name, zIndexOffset: 1000, riseOnHover: true
      });
    }
    var style = STYLE[p.kind] || DEFAULT_STYLE;
    return L.circleMarker(latlng, {
      radius: style.radius, color: "#ffffff", weight: 1.5, fillColor: style.colour, fillOpacity: 0.92,
      className: "party-org kind-" + p.kind
    });
  }

  // The query of the checked filters, or null when a whole group is unchecked (nothing shown).
  function query() {
    var params = new URLSearchParams();
    params.set("region", config.region);
    var empty = false;
    ["kind", "level"].forEach(function (name) {
      var all = document.querySelectorAll(".party-filters input[name=" + name + "]");
      var on = document.querySelectorAll(".party-filters input[name=" + name + "]:checked");
      if (all.length && !on.length) { empty = true; }
      if (on.length < all.length) {
        on.forEach(function (box) { params.append(name, box.value); });
      }
    });
    return empty ? null : params;
  }
  var counter = document.getElementById("party-count");
  // Each filter change fetches the layer again; only the newest answer is drawn (an older one
  // arriving late would show the previous filter).
  var latest = 0;
  function loadLayer() {
    var params = query();
    var mine = ++latest;
    el.dataset.ready = "";
    var request = params
      ? fetch(config.layer + "?" + params.toString(), { credentials: "same-origin" })
      : Promise.resolve({ ok: false });
    return request
      .then(function (r) { return r.ok ? r.json() : { type: "FeatureCollection", features: [] }; })
      .then(function (data) {
        if (mine !== latest) { return; }
        points.clearLayers();
        // Bigger organisations first, so that small ones lie on top and stay clickable.
        var order = ["committee", "working_committee", "general_branch", "branch", "group"];
        var features = (data.features || []).filter(function (f) { return f.geometry && f.geometry.type === "Point"; });
        features.sort(function (a, b) {
          var ka = a.properties.type === "centre" ? 9 : order.indexOf(a.properties.kind);
          var kb = b.properties.type === "centre" ? 9 : order.indexOf(b.properties.kind);
          return ka - kb;
        });
        compact = features.filter(function (f) { return f.properties.type === "centre"; }).length > 40;
        var layer = L.geoJSON({ type: "FeatureCollection", features: features }, {
          pointToLayer: markerOf,
          onEachFeature: function (f, l) {
            l.bindPopup(popupOf(f.properties), { maxWidth: 320 });
            l.bindTooltip(escape(f.properties.name), { direction: "top", offset: [0, -6] });
          }
        });
        points.addLayer(layer);
        el.dataset.markers = String(features.length);
        if (counter) {
          counter.textContent = features.length ? T.shown + " " + features.length : T.empty;
        }
        if (!framed && !outlines && layer.getLayers().length) {
          map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 16 });
          framed = true;
        }
        el.dataset.ready = "1";
      })
      .catch(function (err) { el.dataset.error = String(err); });
  }

  fetch(config.boundaries, { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : { type: "FeatureCollection", features: [] }; })
    .then(function (data) {
      var shapes = (data.features || []).filter(function (f) { return f.geometry && f.geometry.type !== "Point"; });
      var labelled = shapes.length <= 40;
      if (shapes.length) {
        outlines = L.geoJSON({ type: "FeatureCollection", features: shapes }, {
          style: function (f) {
            if (f.properties.self) { return { color: "#b8202e", weight: 2, fillColor: "#fde8ea", fillOpacity: 0.35 }; }
            var i = parseInt(String(f.properties.path).slice(-3), 10) || 0;
            return { color: "#b8202e", weight: 1.2, opacity: 0.7, fillColor: palette[i % palette.length], fillOpacity: 0.6 };
          },
          onEachFeature: function (f, l) {
            var p = f.properties;
            if (labelled && !p.self) {
              l.bindTooltip(escape(p.name), { permanent: true, direction: "bottom", offset: [0, 10], className: "party-region-label", interactive: false });
            } else {
              l.bindTooltip(escape(p.name), { sticky: true });
            }
            if (!p.self) {
              l.on("mouseover", function () { l.setStyle({ weight: 2.5, fillOpacity: 0.8 }); });
              l.on("mouseout", function () { outlines.resetStyle(l); });
              l.on("click", function () {
                window.location.href = config.page + "?region=" + encodeURIComponent(p.path);
              });
            }
          }
        });
        map.fitBounds(outlines.getBounds(), { padding: [12, 12] });
        outlines.addTo(map);
        outlines.bringToBack();
        el.dataset.regions = String(shapes.length);
      } else {
        map.setView([44.4, 126.9], 9);
      }
      return loadLayer();
    });

  document.querySelectorAll(".party-filters input").forEach(function (box) {
    box.addEventListener("change", loadLayer);
  });
})();
