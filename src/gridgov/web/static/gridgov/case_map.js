// The case page's map: its grid (offline, no tiles) and the reported point.
(function () {
  "use strict";
  var el = document.getElementById("case-map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
  var point = el.dataset.lat ? [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)] : null;
  fetch(el.dataset.geojson, { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : { type: "FeatureCollection", features: [] }; })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        filter: function (f) { return f.geometry.type !== "Point"; },
        style: { color: "#b8202e", weight: 2, fillColor: "#fde8ea", fillOpacity: 0.4 }
      });
      // The view must be set before vector layers are added.
      if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), { padding: [10, 10] }); }
      else if (point) { map.setView(point, 15); }
      else { map.setView([44.4, 127], 8); }
      layer.addTo(map);
      if (point) {
        L.circleMarker(point, { radius: 8, color: "#fff", weight: 2, fillColor: "#b8202e", fillOpacity: 1 })
          .bindTooltip(el.dataset.label || "").addTo(map);
      }
    });
})();
