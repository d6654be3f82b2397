/* The visit pages' service worker (scope /visits/): pages under /visits/ are fetched from the
 * network first and kept, so the worklist and the log forms of its households open without a
 * connection. Writes are never cached: the page's queue (offline.js) sends them later. */
"use strict";
var CACHE = "doorstep-visits-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("message", function (event) {
  var urls = (event.data && event.data.keep) || [];
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(urls.map(function (url) {
      return fetch(url, { credentials: "same-origin" }).then(function (response) {
        /* Redirected: the session ended meanwhile and this is the login page. */
        if (response.ok && !response.redirected) return cache.put(url, response);
      }).catch(function () {});
    }));
  }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && request.mode === "navigate") {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request, { ignoreSearch: false }).then(function (hit) {
      return hit || Response.error();
    });
  }));
});
