// 网格通: shared by every page of /m/ — the service worker, the online indicator, the drafts
// kept in IndexedDB, and clearing the offline copies on logout. Plain ES2017, no build step.
(function () {
  "use strict";
  var GG = window.GG = window.GG || {};
  var body = document.body;
  var userId = String(body.dataset.user || "");

  // -- drafts (IndexedDB) -------------------------------------------------------------------
  var DB_NAME = "gridgov-mobile";
  var STORE = "drafts";
  var opening = null;

  function openDb() {
    if (!window.indexedDB) { return Promise.reject(new Error("no IndexedDB")); }
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore(STORE, { keyPath: "id" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return opening;
  }

  function run(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  GG.drafts = {
    // Drafts of the logged-in user only (a shared phone keeps each user's apart).
    all: function () {
      return run("readonly", function (store) { return store.getAll(); }).then(function (rows) {
        return (rows || []).filter(function (d) { return String(d.user) === userId; })
          .sort(function (a, b) { return a.created < b.created ? -1 : 1; });
      });
    },
    put: function (draft) { return run("readwrite", function (store) { store.put(draft); }); },
    remove: function (id) { return run("readwrite", function (store) { store.delete(id); }); }
  };

  // -- CSRF for the API (the cookie is read at send time: a cached page may be old) ----------
  GG.csrf = function () {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  };

  // -- online indicator --------------------------------------------------------------------
  var net = document.getElementById("net");
  function showNet() { if (net) { net.hidden = navigator.onLine; } }
  window.addEventListener("online", showNet);
  window.addEventListener("offline", showNet);
  showNet();

  // -- drafts badge on the home page ---------------------------------------------------------
  var draftsLink = document.getElementById("drafts-link");
  if (draftsLink) {
    GG.drafts.all().then(function (rows) {
      document.getElementById("draft-count").textContent = String(rows.length);
      draftsLink.hidden = rows.length === 0;
    }).catch(function () { /* no IndexedDB: nothing to show */ });
  }

  // -- the service worker: the app shell for offline use -------------------------------------
  if ("serviceWorker" in navigator && body.dataset.sw) {
    navigator.serviceWorker.register(body.dataset.sw, { scope: body.dataset.scope })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function () {
        // Warm the main pages once per session so that they open offline too.
        if (sessionStorage.getItem("gg-warm") === "1" || !navigator.onLine) { return; }
        sessionStorage.setItem("gg-warm", "1");
        (body.dataset.shell || "").split(" ").forEach(function (url) {
          if (url && url !== location.pathname) {
            fetch(url, { credentials: "same-origin" }).catch(function () { /* offline */ });
          }
        });
      })
      .catch(function () { /* not supported here (e.g. plain http on a LAN address) */ });
  }

  // -- logout clears the offline copies of the pages -----------------------------------------
  Array.prototype.forEach.call(document.querySelectorAll("form[data-clear-cache]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.caches) { return; }
      event.preventDefault();
      sessionStorage.removeItem("gg-warm");
      caches.keys().then(function (keys) {
        return Promise.all(keys.filter(function (key) { return key.indexOf("gridgov-m-") === 0; })
          .map(function (key) { return caches.delete(key); }));
      }).catch(function () { return null; }).then(function () { form.submit(); });
    });
  });

  // -- htmx: say so when an action could not be sent -----------------------------------------
  document.addEventListener("htmx:sendError", function (event) {
    var form = event.target;
    var note = document.createElement("p");
    note.className = "error";
    note.setAttribute("role", "alert");
    note.textContent = body.dataset.sendError || "";
    if (form && form.insertBefore) { form.insertBefore(note, form.firstChild); }
  });
})();
