// Offline Leaflet maps for the phone pages: outlines and points from embedded GeoJSON, no tile
// layer (nothing is fetched from outside). GG.map() also lets the user pick a point.
(function () {
  "use strict";
  var GG = window.GG = window.GG || {};
  var PALETTE = ["#c23531", "#2f4554", "#61a0a8", "#d48265", "#91c7ae", "#749f83", "#ca8622", "#bda29a"];

  function styleOf(feature, options) {
    var p = feature.properties || {};
    if (p.case) { return { radius: 8, color: "#ffffff", weight: 3, fillColor: "#1d4ed8", fillOpacity: 1 }; }
    if (feature.geometry.type === "Point") {
      return { radius: 5, color: "#ffffff", weight: 1.5, fillColor: "#b8202e", fillOpacity: 0.9 };
    }
    if (options.palette) {
      var i = parseInt(String(p.path || "0").slice(-3), 10) || 0;
      return { color: "#ffffff", weight: 1.5, fillColor: PALETTE[i % PALETTE.length], fillOpacity: 0.45 };
    }
    return { color: "#b8202e", weight: 2, fillColor: "#fde8ea", fillOpacity: 0.5 };
  }

  // Ray casting on the outlines: is the point inside one of the polygons?
  function ringHas(ring, x, y) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if (((yi > y) !== (yj > y)) && (x < (xj - xi) * (y - yi) / (yj - yi) + xi)) { inside = !inside; }
    }
    return inside;
  }
  function polygonHas(rings, x, y) {
    if (!ringHas(rings[0], x, y)) { return false; }
    for (var k = 1; k < rings.length; k++) { if (ringHas(rings[k], x, y)) { return false; } }
    return true;
  }
  GG.contains = function (geojson, lng, lat) {
    return (geojson.features || []).some(function (f) {
      var g = f.geometry;
      if (!g) { return false; }
      if (g.type === "Polygon") { return polygonHas(g.coordinates, lng, lat); }
      if (g.type === "MultiPolygon") {
        return g.coordinates.some(function (poly) { return polygonHas(poly, lng, lat); });
      }
      return false;
    });
  };

  GG.map = function (el, geojson, options) {
    options = options || {};
    var map = L.map(el, { attributionControl: false, zoomSnap: 0.25, tap: true });
    var layer = L.geoJSON(geojson, {
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, styleOf(f, options)); },
      style: function (f) { return styleOf(f, options); },
      onEachFeature: function (f, l) {
        if (f.properties && f.properties.name) { l.bindTooltip(String(f.properties.name), { sticky: true }); }
      }
    }).addTo(map);
    var bounds = layer.getLayers().length ? layer.getBounds() : null;
    if (bounds) { map.fitBounds(bounds, { padding: [10, 10] }); } else { map.setView([44.4, 126.9], 9); }
    var marker = null;
    var api = {
      map: map,
      bounds: bounds,
      setPoint: function (lat, lng) {
        var at = L.latLng(lat, lng);
        if (!marker) {
          marker = L.circleMarker(at, { radius: 9, color: "#ffffff", weight: 3, fillColor: "#1d4ed8", fillOpacity: 1 }).addTo(map);
        } else { marker.setLatLng(at); }
        if (bounds && !bounds.pad(0.5).contains(at)) {
          map.fitBounds(L.latLngBounds([bounds.getSouthWest(), bounds.getNorthEast()]).extend(at), { padding: [10, 10] });
        }
        return at;
      },
      clear: function () { if (marker) { map.removeLayer(marker); marker = null; } }
    };
    if (options.onPick) {
      map.on("click", function (event) {
        api.setPoint(event.latlng.lat, event.latlng.lng);
        options.onPick(event.latlng);
      });
    }
    return api;
  };

  // Maps declared in the page: <div data-gg-map="id-of-a-json-script">.
  function auto() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-gg-map]"), function (el) {
      var source = document.getElementById(el.dataset.ggMap);
      if (source && window.L) { GG.map(el, JSON.parse(source.textContent), { palette: el.hasAttribute("data-palette") }); }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", auto); } else { auto(); }
})();
