{% load static %}/* 网格通 service worker (served from {{ config.scope }}sw.js so that its scope is {{ config.scope }}).
   Keeps the app shell's static assets for offline use (cache first) and the pages of {{ config.scope }}
   that were opened (network first, the cached copy when offline). Never touches the API. */
"use strict";
var CONFIG = {{ config_json|safe }};
var CACHE = "gridgov-m-" + CONFIG.version;
// 考勤巡查 (/m/ops/): its assets are kept for offline use but fetched network first (so a new
// version is picked up whatever the shell's version), and its pages are warmed at install.
var OPS_ASSETS = ["{% static 'gridgov/mobile/ops.js' %}", "{% static 'gridgov/mobile/ops.css' %}"];
var OPS_PAGES = ["{% url 'mobile-ops' %}", "{% url 'mobile-ops-patrol' %}", "{% url 'mobile-ops-month' %}"];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE)
      .then(function (cache) { return cache.addAll(CONFIG.assets.concat(OPS_ASSETS)); })
      .then(warmOps)
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf("gridgov-m-") === 0 && key !== CACHE;
      }).map(function (key) { return caches.delete(key); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function remember(request, response) {
  // Pages sent "no-store" (the registers: personal data) are never kept on the phone.
  var control = (response && response.headers.get("Cache-Control")) || "";
  if (response && response.ok && !response.redirected && response.type === "basic" &&
      control.indexOf("no-store") === -1) {
    var copy = response.clone();
    caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
  }
  return response;
}

// The ops pages open offline too (a user without a session, or without a roster entry, is
// redirected or shown a notice: a redirect is never kept; failures do not stop the install).
function warmOps() {
  return Promise.all(OPS_PAGES.map(function (url) {
    var request = new Request(url, { credentials: "same-origin" });
    return fetch(request).then(function (response) { return remember(request, response); })
      .catch(function () { return null; });
  }));
}

function offlinePage() {
  return caches.match(CONFIG.offline, { ignoreVary: true }).then(function (hit) {
    return hit || new Response(CONFIG.offlineText, {
      status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" }
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (OPS_ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(fetch(request).then(function (response) {
      return remember(request, response);
    }).catch(function () {
      return caches.match(request, { ignoreVary: true }).then(function (hit) { return hit || Response.error(); });
    }));
    return;
  }
  if (url.pathname.indexOf(CONFIG.static) === 0) {
    event.respondWith(caches.match(request, { ignoreVary: true }).then(function (hit) {
      return hit || fetch(request).then(function (response) { return remember(request, response); });
    }));
    return;
  }
  if (url.pathname.indexOf(CONFIG.scope) === 0 && url.pathname !== CONFIG.worker) {
    event.respondWith(fetch(request).then(function (response) {
      return remember(request, response);
    }).catch(function () {
      return caches.match(request, { ignoreVary: true }).then(function (hit) {
        return hit || (request.mode === "navigate" ? offlinePage() : Response.error());
      });
    }));
  }
});

self.addEventListener("message", function (event) {
  if (event.data === "clear") {
    event.waitUntil(caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf("gridgov-m-") === 0;
      }).map(function (key) { return caches.delete(key); }));
    }));
  }
});
