// Resident report form: item picker by board, and the place as a point on an offline map of the
// county's townships (or the phone's position), else a typed address. The form itself is a plain
// POST: it works without this script too (then only the address can be given). Plain ES2017.
(function () {
  "use strict";
  var GG = window.GG;
  var $ = function (id) { return document.getElementById(id); };
  var catalogue = JSON.parse($("catalogue").textContent);
  var townships = JSON.parse($("townships").textContent);
  var M = JSON.parse($("resident-messages").textContent);
  var board = $("board");
  var item = $("item");

  function fmt(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (all, key) {
      return values[key] === undefined ? all : String(values[key]);
    });
  }

  function fillItems() {
    var keep = item.value || item.dataset.value || "";
    item.dataset.value = "";
    while (item.options.length > 1) { item.remove(1); }
    catalogue.items.filter(function (i) { return i.board === board.value; }).forEach(function (i) {
      item.appendChild(new Option(i.name, i.code));
    });
    item.value = keep;
    if (item.value !== keep) { item.value = ""; }
  }
  board.addEventListener("change", fillItems);
  fillItems();

  var status = $("loc-status");
  function say(text, bad) { status.textContent = text; status.className = bad ? "loc bad" : "loc"; }
  function setPoint(lng, lat, message) {
    $("lng").value = lng.toFixed(6);
    $("lat").value = lat.toFixed(6);
    var inside = GG.contains(townships, lng, lat);
    say(fmt(message, { lng: lng.toFixed(5), lat: lat.toFixed(5) }) + (inside ? "" : " " + M.outside), !inside);
  }
  var picker = GG.map($("pick-map"), townships, {
    palette: true,
    onPick: function (latlng) { setPoint(latlng.lng, latlng.lat, M.picked); }
  });
  if ($("lng").value && $("lat").value) {
    var lng = parseFloat($("lng").value), lat = parseFloat($("lat").value);
    if (isFinite(lng) && isFinite(lat)) { picker.setPoint(lat, lng); setPoint(lng, lat, M.picked); }
  }
  $("locate").addEventListener("click", function () {
    if (!navigator.geolocation) { say(M.locateFailed, true); return; }
    say(M.locating);
    navigator.geolocation.getCurrentPosition(function (pos) {
      picker.setPoint(pos.coords.latitude, pos.coords.longitude);
      setPoint(pos.coords.longitude, pos.coords.latitude, M.located);
    }, function () { say(M.locateFailed, true); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });

  var photos = $("photos");
  photos.addEventListener("change", function () {
    var n = photos.files ? photos.files.length : 0;
    $("photo-names").textContent = n ? fmt($("photo-names").dataset.template, { n: n }) : "";
  });

  var anonymous = $("anonymous");
  function contact() { $("contact-box").hidden = anonymous.checked; }
  anonymous.addEventListener("change", contact);
  contact();
})();
