// Draws a region's children from its GeoJSON on an offline Leaflet map (no tile layer).
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
  var palette = ["#c23531", "#2f4554", "#61a0a8", "#d48265", "#91c7ae", "#749f83", "#ca8622", "#bda29a", "#6e7074", "#546570"];
  var childUrl = el.dataset.childUrl;
  fetch(el.dataset.geojson, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, { radius: 6, color: "#ffffff", weight: 1.5, fillColor: "#b8202e", fillOpacity: 0.9 });
        },
        style: function (f) {
          if (f.geometry.type === "Point") { return { radius: 6, color: "#ffffff", weight: 1.5, fillColor: "#b8202e", fillOpacity: 0.9 }; }
          if (f.properties.self) { return { color: "#b8202e", weight: 2, fillColor: "#fde8ea", fillOpacity: 0.5 }; }
          var i = parseInt(f.properties.path.slice(-3), 10) || 0;
          return { color: "#ffffff", weight: 1, fillColor: palette[i % palette.length], fillOpacity: 0.55 };
        },
        onEachFeature: function (f, l) {
          l.bindTooltip(f.properties.name, { sticky: true });
          if (!f.properties.self) {
            l.on("click", function () { window.location = childUrl.replace("PATH", f.properties.path); });
          }
        }
      }).addTo(map);
      if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
      else { map.setView([35, 105], 4); }
    });
})();
