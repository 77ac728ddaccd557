// Maps of the field-work workbench (网格力量): the grids of a region coloured by a figure
// (coverage, check-in rate, plan coverage) with a popup of numbers, or one patrol's track drawn
// on its grid's outline. Offline like the other maps: the regions' own outlines are the base
// layer, no tiles unless GRIDGOV_TILE_URL is set. Plain ES2017, no build step; every label
// comes from the page (gettext).
(function () {
  "use strict";
  var el = document.getElementById("ops-map");
  var source = document.getElementById("ops-map-config");
  if (!el || !source || !window.L) { return; }
  var config = JSON.parse(source.textContent);
  var T = config.labels || {};
  var FILL = { good: "#4ade80", warn: "#facc15", bad: "#f87171", none: "#e5e7eb" };

  var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
  if (config.tiles) {
    L.tileLayer(config.tiles, { maxZoom: 19 }).addTo(map);
  }

  function escape(text) {
    return String(text === null || text === undefined ? "" : text).replace(/[&<>"']/g, function (ch) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[ch];
    });
  }
  function popupOf(p) {
    var html = '<div class="ops-popup"><h3>' + escape(p.name) + "</h3><table>";
    (p.lines || []).forEach(function (line) {
      html += "<tr><th>" + escape(line[0]) + "</th><td>" + escape(line[1]) + "</td></tr>";
    });
    return html + "</table></div>";
  }
  function empty() {
    map.setView([44.4, 126.9], 9);
    el.dataset.ready = "1";
    el.dataset.features = "0";
    var note = L.control({ position: "topright" });
    note.onAdd = function () {
      var div = L.DomUtil.create("div", "card");
      div.style.margin = "8px"; div.style.padding = "6px 10px";
      div.textContent = T.empty || "";
      return div;
    };
    note.addTo(map);
  }
  function get(url) {
    return fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { type: "FeatureCollection", features: [] }; });
  }

  // A region's grids coloured by their class.
  if (config.layer) {
    get(config.layer).then(function (data) {
      var features = (data.features || []).filter(function (f) { return f.geometry; });
      if (!features.length) { return empty(); }
      var labelled = features.length <= 30;
      var layer = L.geoJSON({ type: "FeatureCollection", features: features }, {
        style: function (f) {
          return { color: "#475569", weight: 1, opacity: 0.8, fillColor: FILL[f.properties.state] || FILL.none, fillOpacity: config.tiles ? 0.5 : 0.75 };
        },
        onEachFeature: function (f, l) {
          l.bindPopup(popupOf(f.properties), { maxWidth: 320 });
          if (labelled) {
            l.bindTooltip(escape(f.properties.name), { permanent: true, direction: "center", className: "ops-label", interactive: false });
          } else {
            l.bindTooltip(escape(f.properties.name), { sticky: true });
          }
          l.on("mouseover", function () { l.setStyle({ weight: 2.5 }); });
          l.on("mouseout", function () { layer.resetStyle(l); });
        }
      });
      map.fitBounds(layer.getBounds(), { padding: [12, 12] });
      layer.addTo(map);
      el.dataset.features = String(features.length);
      el.dataset.ready = "1";
    }).catch(function (err) { el.dataset.error = String(err); });
  }

  // One patrol: the grid outline, the track, its start and its end. The view is set before
  // any layer is added (Leaflet cannot draw a path on a map without one).
  if (config.track) {
    get(config.track).then(function (data) {
      var features = data.features || [];
      var layers = [];
      var bounds = null;
      function grow(b) { if (b && b.isValid()) { bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast()); } }
      features.forEach(function (f) {
        var p = f.properties || {};
        if (p.kind !== "grid" || !f.geometry) { return; }
        var grid = L.geoJSON(f, { style: { color: "#b8202e", weight: 2, fillColor: "#fde8ea", fillOpacity: 0.35 } });
        grid.bindTooltip(escape(p.name), { sticky: true });
        grow(grid.getBounds());
        layers.push(grid);
      });
      features.forEach(function (f) {
        var p = f.properties || {};
        if (p.kind !== "track" || !f.geometry) { return; }
        var latlngs = f.geometry.coordinates.map(function (c) { return [c[1], c[0]]; });
        if (!latlngs.length) { return; }
        var times = p.times || [];
        var line = L.polyline(latlngs, { color: "#1d4ed8", weight: 4, opacity: 0.85 });
        layers.push(line);
        layers.push(L.circleMarker(latlngs[0], { radius: 7, color: "#fff", weight: 2, fillColor: "#16a34a", fillOpacity: 1 })
          .bindTooltip(escape(T.start) + " " + escape(times[0] || "")));
        if (latlngs.length > 1) {
          layers.push(L.circleMarker(latlngs[latlngs.length - 1], { radius: 7, color: "#fff", weight: 2, fillColor: "#dc2626", fillOpacity: 1 })
            .bindTooltip(escape(T.end) + " " + escape(times[times.length - 1] || "")));
        }
        grow(line.getBounds());
        el.dataset.points = String(latlngs.length);
      });
      if (!bounds) { return empty(); }
      map.fitBounds(bounds, { padding: [16, 16], maxZoom: 18 });
      layers.forEach(function (layer) { layer.addTo(map); });
      el.dataset.ready = "1";
    }).catch(function (err) { el.dataset.error = String(err); });
  }
})();
