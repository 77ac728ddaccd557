// 网格通 · 考勤巡查 (/m/ops/): check in and out with the phone's position, patrols with the
// track drawn on the grid map, and the month's figures. Everything goes to the JSON API
// (/api/v1/ops/…) with the session cookie and the CSRF header. Without a connection a check-in
// waits in IndexedDB with its own time and is sent when the connection returns (the server
// takes times up to 48 h back); a patrol's points wait there too and go out in batches every
// 30 s (a batch sent twice is harmless: the server ignores a seq it has). Plain ES2017.
(function () {
  "use strict";
  var GG = window.GG = window.GG || {};
  var $ = function (id) { return document.getElementById(id); };
  var cfg = JSON.parse($("ops-config").textContent);
  var M = cfg.messages;
  var userId = String(cfg.user);
  var SEND_EVERY = 30000;   // ms between batches of points
  var POINT_EVERY = 30000;  // ms: at most one track point per 30 s
  var BATCH = 500;          // the API's limit per request

  function fmt(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (all, key) {
      return values[key] === undefined ? all : String(values[key]);
    });
  }
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function hhmm(iso) { var d = new Date(iso); return pad(d.getHours()) + ":" + pad(d.getMinutes()); }
  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    return pad(Math.floor(seconds / 3600)) + ":" + pad(Math.floor(seconds / 60) % 60) + ":" + pad(seconds % 60);
  }
  function duration(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60;
    return (h ? h + " " + M.hours + " " : "") + m + " " + M.minutes;
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    if (window.crypto && crypto.getRandomValues) { crypto.getRandomValues(bytes); } else {
      for (var i = 0; i < 16; i++) { bytes[i] = Math.floor(Math.random() * 256); }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }
  function haversine(a, b) {
    var R = 6371008.8, rad = Math.PI / 180;
    var dlat = (b.lat - a.lat) * rad, dlng = (b.lng - a.lng) * rad;
    var h = Math.pow(Math.sin(dlat / 2), 2) + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.pow(Math.sin(dlng / 2), 2);
    return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
  }
  function say(el, text, tone) {
    if (!el) { return; }
    el.textContent = text;
    el.className = "ops-msg" + (tone ? " " + tone : "");
    el.hidden = !text;
  }

  // -- the queue (IndexedDB: its own database, apart from the report drafts) -----------------
  var opening = null;
  function openDb() {
    if (!window.indexedDB) { return Promise.reject(new Error("no IndexedDB")); }
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var request = indexedDB.open("gridgov-ops", 1);
        request.onupgradeneeded = function () {
          var db = request.result;
          db.createObjectStore("checkins", { keyPath: "client_id" });
          db.createObjectStore("points", { keyPath: "key" }).createIndex("patrol", "patrol");
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return opening;
  }
  function run(store, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode);
        var result = work(tx.objectStore(store));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }
  var queue = {
    checkins: function () {
      return run("checkins", "readonly", function (s) { return s.getAll(); }).then(function (rows) {
        return (rows || []).filter(function (r) { return String(r.user) === userId; })
          .sort(function (a, b) { return a.body.at < b.body.at ? -1 : 1; });
      });
    },
    putCheckin: function (row) { return run("checkins", "readwrite", function (s) { s.put(row); }); },
    dropCheckin: function (id) { return run("checkins", "readwrite", function (s) { s.delete(id); }); },
    points: function (key) {
      return run("points", "readonly", function (s) { return s.index("patrol").getAll(key); }).then(function (rows) {
        return (rows || []).sort(function (a, b) { return a.seq - b.seq; });
      });
    },
    putPoints: function (rows) {
      return run("points", "readwrite", function (s) { rows.forEach(function (r) { s.put(r); }); });
    },
    dropPoints: function (key) {
      return run("points", "readwrite", function (s) {
        var cursor = s.index("patrol").openKeyCursor(IDBKeyRange.only(key));
        cursor.onsuccess = function () {
          if (cursor.result) { s.delete(cursor.result.primaryKey); cursor.result.continue(); }
        };
      });
    }
  };

  // The patrol under way on this phone (the server's id once it has one), kept in localStorage.
  var STATE_KEY = "gg-ops-patrol-" + userId;
  function loadState() {
    try { return JSON.parse(localStorage.getItem(STATE_KEY) || "null"); } catch (e) { return null; }
  }
  function saveState(state) {
    if (state) { localStorage.setItem(STATE_KEY, JSON.stringify(state)); } else { localStorage.removeItem(STATE_KEY); }
  }

  // -- the API ---------------------------------------------------------------------------------
  function call(method, url, body) {
    var headers = { "Accept": "application/json" };
    if (method !== "GET") { headers["X-CSRFToken"] = GG.csrf ? GG.csrf() : ""; headers["Content-Type"] = "application/json"; }
    return fetch(url, {
      method: method, credentials: "same-origin", headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body)
    }).catch(function () {
      throw { kind: "network" };
    }).then(function (response) {
      if (response.ok) { return response.json(); }
      return response.json().catch(function () { return {}; }).then(function (data) {
        var error = data.error || {};
        var fields = error.fields || {};
        var first = Object.keys(fields).map(function (k) { return [].concat(fields[k]).join("；"); }).filter(Boolean);
        var message = first.length ? first.join("；") : (error.message || data.detail || M.serverError);
        var status = response.status;
        if (status === 401 || (status === 403 && /CSRF|登录/i.test(String(error.message || data.detail || "")))) {
          throw { kind: "auth", message: M.loginExpired, status: status };
        }
        if (status >= 500) { throw { kind: "later", message: M.serverError, status: status }; }
        throw { kind: status === 409 ? "conflict" : "invalid", message: message, status: status };
      });
    });
  }
  function apiUrl(name, id) { return cfg.api[name].replace("ID", String(id)); }

  // -- position --------------------------------------------------------------------------------
  function locate() {
    return new Promise(function (resolve, reject) {
      if (!navigator.geolocation) { reject({ message: M.noGeo }); return; }
      navigator.geolocation.getCurrentPosition(resolve, function (error) {
        reject({ message: error && error.code === 1 ? M.geoDenied : M.geoFailed });
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
    });
  }
  function position(pos) {
    return {
      lng: pos.coords.longitude, lat: pos.coords.latitude, crs: "wgs84",
      accuracy: pos.coords.accuracy === null || pos.coords.accuracy === undefined ? null : Math.round(pos.coords.accuracy * 10) / 10
    };
  }

  // ==========================================================================================
  // Today: check in and out, the patrol's state
  // ==========================================================================================
  function checkinText(row) {
    var kind = M.kinds[row.kind] || row.kind;
    if (row.accepted) {
      return fmt(M.accepted, { kind: kind, grid: row.grid ? row.grid.name : "", time: hhmm(row.at) });
    }
    return fmt(M.refused, { kind: kind, reason: row.message || row.reason_text || "" });
  }

  function renderToday(me, queued) {
    var rows = (me && me.checkins) || [];
    ["on", "off"].forEach(function (kind) {
      var el = $("status-" + kind);
      if (!el) { return; }
      var done = rows.filter(function (r) { return r.kind === kind && r.accepted; });
      var waiting = queued.filter(function (q) { return q.body.kind === kind; });
      var li = el.parentNode;
      li.classList.toggle("done", done.length > 0);
      li.classList.toggle("waiting", !done.length && waiting.length > 0);
      if (done.length) {
        // 上班: the first accepted one counts; 下班: the last.
        var row = kind === "on" ? done[0] : done[done.length - 1];
        el.textContent = "✓ " + hhmm(row.at) + (row.grid ? " · " + row.grid.name : "");
      } else if (waiting.length) {
        el.textContent = hhmm(waiting[0].body.at) + " · " + M.waiting;
      } else {
        el.textContent = M.notSigned;
      }
    });
    var refused = rows.filter(function (r) { return !r.accepted; }).length;
    var anomalies = $("anomalies");
    if (anomalies) { anomalies.hidden = !refused; anomalies.textContent = fmt(M.anomalies, { n: refused }); }
    var count = $("queued-count");
    if (count) { count.hidden = !queued.length; count.textContent = fmt(M.queuedCount, { n: queued.length }); }
  }

  // The server's word now (null offline or on failure): only a fresh answer may change the
  // patrol kept on this phone; an old copy is for showing.
  function refreshMe() {
    if (!navigator.onLine) { return Promise.resolve(null); }
    return call("GET", cfg.api.me).then(function (me) {
      try { localStorage.setItem("gg-ops-me-" + userId, JSON.stringify(me)); } catch (e) { /* full */ }
      return me;
    }, function () { return null; });
  }
  function cachedMe() {
    try { return JSON.parse(localStorage.getItem("gg-ops-me-" + userId) || "null"); } catch (e) { return null; }
  }

  function showToday() {
    return Promise.all([refreshMe(), queue.checkins().catch(function () { return []; })]).then(function (both) {
      var fresh = both[0];
      var me = fresh || cachedMe();
      // A copy from another day says nothing about today.
      if (me && me.today !== localDay()) { me = null; }
      renderToday(me, both[1]);
      var note = $("today-note");
      if (note) { note.textContent = fresh ? "" : M.offlineStatus; }
      showPatrolState(fresh);
    });
  }
  function localDay() {
    var d = new Date();
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }

  function sendCheckin(row, fromQueue) {
    return call("POST", cfg.api.checkins, row.body).then(function (data) {
      var text = checkinText(data);
      if (fromQueue) { text = fmt(M.queuedSent, { kind: M.kinds[row.body.kind], message: text }); }
      say($("checkin-result"), text, data.accepted ? "ok" : "bad");
      return data;
    });
  }

  function flushCheckins() {
    if (!navigator.onLine) { return Promise.resolve(); }
    return queue.checkins().then(function (rows) {
      var chain = Promise.resolve(true);
      rows.forEach(function (row) {
        chain = chain.then(function (go) {
          if (!go) { return false; }
          return sendCheckin(row, true).then(function () {
            return queue.dropCheckin(row.client_id).then(function () { return true; });
          }, function (error) {
            if (error.kind === "network" || error.kind === "later") { return false; }
            if (error.kind === "auth") { say($("checkin-result"), error.message, "bad"); return false; }
            // Refused for good (e.g. more than 48 h old): say so and drop it.
            say($("checkin-result"), fmt(M.refused, { kind: M.kinds[row.body.kind], reason: error.message }), "bad");
            return queue.dropCheckin(row.client_id).then(function () { return true; });
          });
        });
      });
      return chain;
    }).catch(function () { return null; });
  }

  function checkIn(kind, button) {
    var result = $("checkin-result");
    var buttons = document.querySelectorAll(".ops-buttons button");
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
    say(result, M.locating, "busy");
    var done = function () { Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; }); };
    locate().then(function (pos) {
      var body = position(pos);
      body.kind = kind;
      body.client_id = uuid();
      var row = { client_id: body.client_id, user: userId, body: body };
      if (!navigator.onLine) { return keep(row); }
      say(result, M.sending, "busy");
      return sendCheckin(row, false).then(null, function (error) {
        if (error.kind === "network" || error.kind === "later") { return keep(row); }
        say(result, error.kind === "auth" ? error.message : fmt(M.refused, { kind: M.kinds[kind], reason: error.message }), "bad");
        return null;
      });
    }, function (error) {
      say(result, error.message, "bad");
    }).then(done, done).then(showToday);

    function keep(row) {
      // The check-in's own time goes with it: the server takes it up to 48 h back.
      row.body.at = new Date().toISOString();
      return queue.putCheckin(row).then(function () { say(result, M.queued, "queued"); },
        function () { say(result, M.noStorage, "bad"); });
    }
    return button;
  }

  // ==========================================================================================
  // Patrols
  // ==========================================================================================
  var flushing = false;
  var onPatrolChange = function () {};

  // Adopt the server's open patrol (after a reload, or on another phone) when this phone has
  // none; forget a local one the server has closed.
  function reconcile(me) {
    var state = loadState();
    var open = me && me.open_patrol;
    if (open && (!state || (state.id && state.id !== open.id && !state.stop))) {
      state = {
        key: "p" + open.id, id: open.id, started: open.started_at, grid: open.grid,
        start: null, stop: null, nextSeq: 1, distance: open.distance_m, pointCount: open.point_count,
        lastAt: open.last_at, fromServer: true
      };
      saveState(state);
    } else if (!open && state && state.id && !state.stop && me) {
      queue.dropPoints(state.key).catch(function () { return null; });
      saveState(null);
      state = null;
    } else if (open && state && state.id === open.id) {
      state.distance = open.distance_m;
      state.pointCount = open.point_count;
      saveState(state);
    }
    return state;
  }

  function showPatrolState(me) {
    var state = me ? reconcile(me) : loadState();
    var text = $("patrol-state");
    var start = $("patrol-start");
    var open = $("patrol-open");
    if (!text || !start) { return state; }
    if (state && !state.stop) {
      text.textContent = fmt(M.openSince, { since: hhmm(state.started) }) + (state.grid ? " · " + state.grid.name : "");
      text.className = "ops-live-text";
      start.hidden = true;
      if (open) { open.hidden = false; }
    } else {
      text.textContent = M.noPatrol;
      text.className = "muted";
      start.hidden = false;
      if (open) { open.hidden = true; }
    }
    return state;
  }

  function startPatrol(button, result, then) {
    var before = loadState();
    if (before && before.stop) {  // the last one's end is not sent yet: send it first
      flushPatrol().then(function (left) {
        if (left && left.stop) { say(result, M.previousPending, "bad"); return; }
        startPatrol(button, result, then);
      });
      return;
    }
    if (before && !before.stop) { then(before); return; }
    button.disabled = true;
    say(result, M.locating, "busy");
    locate().then(function (pos) {
      var body = position(pos);
      body.client_id = uuid();
      // The patrol starts at the fix's time: its points carry the phone's times as well, so
      // the start and the track share one clock (the server refuses points before the start).
      body.at = new Date(pos.timestamp || Date.now()).toISOString();
      var state = {
        key: "c" + body.client_id, id: null, started: body.at,
        grid: null, start: body, stop: null, nextSeq: 1, distance: 0, pointCount: 1
      };
      // The start position is the track's point 0 on the server; keep it here too.
      var first = { key: state.key + ":0", patrol: state.key, user: userId, seq: 0, at: state.started,
        lng: body.lng, lat: body.lat, accuracy: body.accuracy, sent: true };
      var offline = function () {
        saveState(state);
        return queue.putPoints([first]).catch(function () { return null; }).then(function () {
          say(result, M.startQueued, "queued");
          then(state);
        });
      };
      if (!navigator.onLine) { return offline(); }
      say(result, M.starting, "busy");
      return call("POST", cfg.api.patrols, body).then(function (patrol) {
        state.id = patrol.id;
        state.key = "p" + patrol.id;
        state.started = patrol.started_at;
        state.grid = patrol.grid;
        state.start = null;
        state.distance = patrol.distance_m;
        state.pointCount = patrol.point_count;
        first.key = state.key + ":0";
        first.patrol = state.key;
        first.at = patrol.started_at;
        saveState(state);
        return queue.putPoints([first]).catch(function () { return null; }).then(function () {
          say(result, "", "");
          then(state);
        });
      }, function (error) {
        if (error.kind === "network" || error.kind === "later") { return offline(); }
        if (error.kind === "conflict") {  // one is open already (started on another phone)
          return refreshMe().then(function (me) { then(reconcile(me)); });
        }
        say(result, error.kind === "auth" ? error.message : fmt(M.startRefused, { message: error.message }), "bad");
        return null;
      });
    }, function (error) {
      say(result, error.message, "bad");
    }).then(function () { button.disabled = false; });
  }

  // Send what waits: the start (made offline), the points in batches, then the stop.
  var flushed = Promise.resolve();
  function flushPatrol() {
    // One at a time; a call during a flush runs again after it (the state may have changed).
    if (flushing) { return flushed.then(flushPatrol); }
    var state = loadState();
    if (!state || !navigator.onLine) { return Promise.resolve(state); }
    flushing = true;
    flushed = flushOnce(state);
    return flushed;
  }
  function flushOnce(state) {
    var result = $("patrol-result");
    var step = Promise.resolve();
    if (!state.id && state.start) {
      step = call("POST", cfg.api.patrols, state.start).then(function (patrol) {
        var oldKey = state.key;
        state.id = patrol.id;
        state.started = patrol.started_at;
        state.grid = patrol.grid;
        state.start = null;
        saveState(state);
        return rekey(oldKey, state);
      }, function (error) {
        if (error.kind === "invalid") {  // refused where it started: nothing to keep
          say(result, fmt(M.startRefused, { message: error.message }), "bad");
          return queue.dropPoints(state.key).then(function () { saveState(null); state = null; });
        }
        if (error.kind === "conflict") {
          return refreshMe().then(function (me) {
            return queue.dropPoints(state.key).then(function () { saveState(null); state = reconcile(me); });
          });
        }
        throw error;
      });
    }
    return step.then(function () {
      if (!state || !state.id) { return null; }
      return sendPoints(state).then(function () {
        if (!state.stop) { return null; }
        return call("POST", apiUrl("stop", state.id), state.stop).then(function (patrol) {
          say(result, fmt(M.stopped, { km: (patrol.distance_m / 1000).toFixed(2), duration: duration(patrol.duration_s) }), "ok");
          return finish(state);
        });
      });
    }).catch(function (error) {
      if (error && error.kind === "conflict" && state) {  // closed by the sweep or elsewhere
        say(result, M.closedByServer, "bad");
        return finish(state);
      }
      if (error && error.kind === "auth") { say(result, error.message, "bad"); }
      return null;
    }).then(function () {
      flushing = false;
      onPatrolChange(loadState());
      return loadState();
    });
  }

  // Points kept under the local key of a patrol started offline move to the server's id.
  function rekey(oldKey, state) {
    state.key = "p" + state.id;
    saveState(state);
    return queue.points(oldKey).then(function (rows) {
      var moved = rows.map(function (r) {
        var copy = Object.assign({}, r, { key: state.key + ":" + r.seq, patrol: state.key });
        if (r.seq === 0) { copy.at = state.started; }
        return copy;
      });
      return queue.putPoints(moved).then(function () { return queue.dropPoints(oldKey); });
    });
  }

  function sendPoints(state) {
    return queue.points(state.key).then(function (rows) {
      var waiting = rows.filter(function (r) { return !r.sent; });
      var chain = Promise.resolve();
      for (var i = 0; i < waiting.length; i += BATCH) {
        (function (batch) {
          chain = chain.then(function () {
            return call("POST", apiUrl("points", state.id), {
              crs: "wgs84",
              points: batch.map(function (r) {
                return { seq: r.seq, at: r.at, lng: r.lng, lat: r.lat, accuracy: r.accuracy };
              })
            }).then(function (data) {
              state.distance = data.distance_m;
              state.pointCount = data.point_count;
              var latest = loadState();
              if (latest && latest.key === state.key) {
                latest.distance = data.distance_m;
                latest.pointCount = data.point_count;
                saveState(latest);
              }
              batch.forEach(function (r) { r.sent = true; });
              return queue.putPoints(batch);
            }, function (error) {
              // A batch the server refuses as such would block the queue: it is not resent.
              if (error.kind !== "invalid") { throw error; }
              batch.forEach(function (r) { r.sent = true; });
              return queue.putPoints(batch);
            });
          });
        })(waiting.slice(i, i + BATCH));
      }
      return chain;
    });
  }

  function finish(state) {
    return queue.dropPoints(state.key).catch(function () { return null; }).then(function () {
      var latest = loadState();
      if (latest && latest.key === state.key) { saveState(null); }
    });
  }

  // -- the patrol page: the map, the watch, the figures ---------------------------------------
  function patrolPage() {
    var geojson = JSON.parse($("ops-geojson").textContent);
    var mapEl = $("patrol-map");
    var view = GG.map(mapEl, geojson);
    var map = view.map;
    var line = L.polyline([], { color: "#1d4ed8", weight: 4, opacity: 0.9, className: "ops-track" }).addTo(map);
    var dots = L.layerGroup().addTo(map);
    var result = $("patrol-result");
    var points = [];       // this patrol's points on this phone, by seq
    var watch = null;
    var lastTaken = 0;     // when the last point was taken (ms)
    var waiting = null;    // a fix that came too soon after it
    var lock = null;
    var timer = null;
    var ticker = null;

    function draw() {
      var latlngs = points.map(function (p) { return [p.lat, p.lng]; });
      line.setLatLngs(latlngs);
      dots.clearLayers();
      points.forEach(function (p, i) {
        var first = i === 0;
        var last = i === points.length - 1;
        if (!first && !last) { return; }
        L.circleMarker([p.lat, p.lng], {
          radius: last ? 7 : 5, weight: 2, color: "#ffffff",
          fillColor: last ? "#1d4ed8" : "#15803d", fillOpacity: 1, className: "ops-point"
        }).addTo(dots);
      });
      mapEl.dataset.points = String(points.length);
      if (points.length) {
        var bounds = L.latLngBounds(latlngs);
        if (view.bounds) { bounds.extend(view.bounds); }
        if (!map.getBounds().contains(line.getBounds())) { map.fitBounds(bounds, { padding: [16, 16] }); }
      }
      figures();
    }

    function figures() {
      var state = loadState();
      if (!state) {
        $("distance").textContent = "0.00";
        $("point-count").textContent = "0";
        $("sync-state").textContent = "";
        return;
      }
      var unsent = points.filter(function (p) { return !p.sent; });
      // The server's distance (GPS jumps dropped) plus the stretch not sent yet.
      var extra = 0;
      var sent = points.filter(function (p) { return p.sent; });
      var from = sent.length ? sent[sent.length - 1] : null;
      unsent.forEach(function (p) { if (from) { extra += haversine(from, p); } from = p; });
      var metres = (state.id ? (state.distance || 0) : 0) + (state.id ? extra : localLength());
      $("distance").textContent = (metres / 1000).toFixed(2);
      $("point-count").textContent = String(Math.max(points.length, state.pointCount || 0));
      $("sync-state").textContent = unsent.length || !state.id ? fmt(M.pending, { n: unsent.length || points.length }) : M.allSent;
    }
    function localLength() {
      var total = 0;
      for (var i = 1; i < points.length; i++) { total += haversine(points[i - 1], points[i]); }
      return total;
    }
    function tick() {
      var state = loadState();
      if (!state) { return; }
      $("elapsed").textContent = clock((Date.now() - new Date(state.started).getTime()) / 1000);
      if (waiting && !state.stop && Date.now() - lastTaken >= POINT_EVERY) { take(waiting, state); }
    }

    function onFix(pos) {
      var state = loadState();
      var where = { lat: pos.coords.latitude, lng: pos.coords.longitude };
      var gps = $("gps-state");
      var inside = !geojson.features.length || GG.contains(geojson, where.lng, where.lat);
      gps.textContent = fmt(M.gpsOk, { accuracy: Math.round(pos.coords.accuracy || 0) }) + (inside ? "" : " · " + M.outsideGrid);
      gps.className = "small ops-gps" + (inside ? " ok" : " warn");
      if (!state || state.stop) { return; }
      var at = pos.timestamp || Date.now();
      if (at < new Date(state.started).getTime()) { return; }  // an old fix: the server would refuse it
      // At most one point per 30 s; a newer fix waits for its turn (a phone standing still
      // sends no new fix, so the last one is taken when the 30 s are up: see tick).
      if (lastTaken && at - lastTaken < POINT_EVERY) { waiting = pos; return; }
      take(pos, state);
    }
    function take(pos, state) {
      waiting = null;
      var at = pos.timestamp || Date.now();
      var started = new Date(state.started).getTime();
      var where = { lat: pos.coords.latitude, lng: pos.coords.longitude };
      lastTaken = Math.max(at, Date.now() - 1000);
      // Increasing and unique: at least the seconds since the start (points are ≥ 30 s apart),
      // so a patrol taken over from another phone does not reuse that phone's numbers.
      var seq = Math.max(state.nextSeq || 1, points.length ? points[points.length - 1].seq + 1 : 1,
        Math.floor((at - started) / 1000));
      state.nextSeq = seq + 1;
      saveState(state);
      var row = {
        key: state.key + ":" + seq, patrol: state.key, user: userId, seq: seq, at: new Date(at).toISOString(),
        lng: where.lng, lat: where.lat,
        accuracy: pos.coords.accuracy === null || pos.coords.accuracy === undefined ? null : Math.round(pos.coords.accuracy * 10) / 10,
        sent: false
      };
      points.push(row);
      draw();
      queue.putPoints([row]).then(function () {
        // The first point of this page goes out at once; the rest every 30 s.
        if (points.filter(function (p) { return !p.sent; }).length === 1) { return flushPatrol().then(reload); }
        return null;
      }).catch(function () { say(result, M.noStorage, "bad"); });
    }
    function onGpsError(error) {
      var gps = $("gps-state");
      gps.textContent = fmt(M.gpsLost, { message: error && error.code === 1 ? M.geoDenied : M.geoFailed });
      gps.className = "small ops-gps bad";
    }

    function reload() {
      var state = loadState();
      if (!state) { points = []; draw(); return Promise.resolve(); }
      return queue.points(state.key).catch(function () { return []; }).then(function (rows) {
        points = rows;
        // After a reload too, at most one point per 30 s.
        var last = points.length ? Date.parse(points[points.length - 1].at) : 0;
        if (last > lastTaken && points[points.length - 1].seq > 0) { lastTaken = last; }
        if (!points.length && state.id && navigator.onLine) {
          // Nothing on this phone (another phone, or storage cleared): the server's track.
          return call("GET", apiUrl("track", state.id)).then(function (geo) {
            (geo.features || []).forEach(function (f) {
              if (f.geometry && f.geometry.type === "LineString") {
                points = f.geometry.coordinates.map(function (c, i) {
                  return { seq: i, lng: c[0], lat: c[1], sent: true, at: null };
                });
              }
            });
            if (points.length) { state.nextSeq = Math.max(state.nextSeq || 1, (state.pointCount || points.length)); saveState(state); }
          }).catch(function () { return null; });
        }
        return null;
      }).then(draw);
    }

    function begin(state) {
      var live = !!state && !state.stop;
      $("patrol-none").hidden = live;
      $("patrol-live").hidden = !live;
      if (!live) {
        stopWatching();
        $("elapsed").textContent = "00:00:00";
        return reload();
      }
      $("patrol-state").textContent = fmt(M.openSince, { since: hhmm(state.started) }) + (state.grid ? " · " + state.grid.name : "");
      $("patrol-state").className = "ops-live-text";
      tick();
      if (!ticker) { ticker = setInterval(tick, 1000); }
      if (!timer) { timer = setInterval(function () { flushPatrol().then(reload); }, SEND_EVERY); }
      if (watch === null && navigator.geolocation) {
        watch = navigator.geolocation.watchPosition(onFix, onGpsError, { enableHighAccuracy: true, timeout: 60000, maximumAge: 0 });
      } else if (!navigator.geolocation) {
        onGpsError({ code: 0 });
      }
      // Keep the screen on while patrolling (a locked phone may stop the position).
      if (navigator.wakeLock && !lock) {
        navigator.wakeLock.request("screen").then(function (l) { lock = l; }).catch(function () { return null; });
      }
      return reload();
    }
    function stopWatching() {
      if (watch !== null) { navigator.geolocation.clearWatch(watch); watch = null; }
      if (ticker) { clearInterval(ticker); ticker = null; }
      if (timer) { clearInterval(timer); timer = null; }
      if (lock) { lock.release().catch(function () { return null; }); lock = null; }
    }
    onPatrolChange = function (state) { if (!state || state.stop) { begin(state); } };

    $("patrol-start").addEventListener("click", function () {
      startPatrol($("patrol-start"), result, function (state) { lastTaken = 0; begin(state); });
    });
    $("patrol-stop").addEventListener("click", function () {
      if (!window.confirm(M.confirmStop)) { return; }
      var state = loadState();
      if (!state) { begin(null); return; }
      var button = $("patrol-stop");
      button.disabled = true;
      say(result, M.stopping, "busy");
      state.stop = { at: new Date().toISOString(), note: $("patrol-note").value.trim() };
      saveState(state);
      stopWatching();
      var stopped = state;
      flushPatrol().then(function (now) {
        button.disabled = false;
        if (now && now.key === stopped.key && now.stop) { say(result, M.stopQueued, "queued"); }
        $("patrol-note").value = "";
        begin(null);
      });
    });
    window.addEventListener("online", function () { flushPatrol().then(reload); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { flushPatrol().then(reload); }
    });

    refreshMe().then(function (me) {
      var state = me ? reconcile(me) : loadState();
      if (state && state.stop) { return flushPatrol().then(begin); }
      return begin(state).then(function () { return flushPatrol(); }).then(reload);
    });
  }

  // -- the today page ---------------------------------------------------------------------------
  function todayPage() {
    var geojson = JSON.parse($("ops-geojson").textContent);
    if (window.L && $("ops-map")) { GG.map($("ops-map"), geojson); }
    Array.prototype.forEach.call(document.querySelectorAll(".ops-buttons button"), function (button) {
      button.addEventListener("click", function () { checkIn(button.dataset.kind, button); });
    });
    $("patrol-start").addEventListener("click", function () {
      startPatrol($("patrol-start"), $("patrol-result"), function () { window.location.href = cfg.pages.patrol; });
    });
    var sync = function () {
      return flushCheckins().then(function () { return flushPatrol(); }).then(showToday);
    };
    window.addEventListener("online", sync);
    showToday().then(sync);
  }

  // -- the month page ---------------------------------------------------------------------------
  function monthPage() {
    var list = $("figures");
    function render(data) {
      list.textContent = "";
      var values = (data && data.values) || [];
      if (!values.length) {
        var empty = document.createElement("li");
        empty.className = "muted";
        empty.textContent = M.noFigures;
        list.appendChild(empty);
      }
      values.forEach(function (v) {
        var li = document.createElement("li");
        li.dataset.key = v.key;
        var name = document.createElement("span");
        name.textContent = v.name;
        var value = document.createElement("b");
        value.textContent = v.text + (v.kind === "km" && v.value !== null ? " " + M.km : "");
        li.appendChild(name);
        li.appendChild(value);
        if (v.kind === "rate" && v.denominator) {
          var sub = document.createElement("small");
          sub.className = "muted";
          sub.textContent = v.numerator + " / " + v.denominator;
          li.appendChild(sub);
        }
        list.appendChild(li);
      });
      var score = data && (data.score !== undefined ? data.score : null);
      if (score !== null && score !== undefined) {
        $("score").textContent = String(score);
        $("rank").textContent = data.rank ? fmt(M.rank, { rank: data.rank, total: data.total || "" }) : "";
        $("score-card").hidden = false;
      }
    }
    var key = "gg-ops-figures-" + userId + "-" + cfg.period;
    var url = cfg.api.figures + "?period=" + encodeURIComponent(cfg.period);
    call("GET", url).then(function (data) {
      try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* full */ }
      render(data);
    }, function (error) {
      var kept = null;
      try { kept = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { kept = null; }
      if (kept) { render(kept); return; }
      list.textContent = "";
      var li = document.createElement("li");
      li.className = "bad";
      li.textContent = error.kind === "network" ? M.figuresOffline : (error.message || M.serverError);
      list.appendChild(li);
    });
  }

  GG.ops = { flushPatrol: flushPatrol, flushCheckins: flushCheckins, loadState: loadState };
  if (cfg.page === "today") { todayPage(); }
  if (cfg.page === "patrol") { patrolPage(); }
  if (cfg.page === "month") { monthPage(); }
})();
