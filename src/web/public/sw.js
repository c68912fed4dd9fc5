// Service worker for the teller page: keeps the page and its two files on the phone, so that a
// reload with no connection still opens it (the entries themselves live in localStorage).
// The network is tried first, so a new version or a revoked link is seen as soon as there is one.
// API calls are never touched: they go straight to the network and the page queues them itself.
'use strict';

var CACHE = 'turnout-teller-v1';
var SHELL = ['/static/teller.css', '/static/teller.js'];
var NETWORK_WAIT_MS = 4000; // on a bad connection, the kept page after this long

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k !== CACHE && k.indexOf('turnout-teller-') === 0; }).map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); }).then(keepOpenPages),
  );
});

// The page that registered this worker was loaded before it existed: keep it now, so that the
// very first reload without a connection opens too.
function keepOpenPages() {
  return self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(function (windows) {
    return caches.open(CACHE).then(function (cache) {
      return Promise.all(windows.map(function (w) {
        var url = new URL(w.url);
        if (!isTellerRequest(url)) return null;
        return cache.add(url.pathname).catch(function () { /* offline already: nothing to keep */ });
      }));
    });
  });
}

function isTellerRequest(url) {
  if (url.origin !== self.location.origin) return false;
  return /^\/t\/[^/]+\/?$/.test(url.pathname) || SHELL.indexOf(url.pathname) >= 0;
}

self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (request.method !== 'GET') return;
  var url = new URL(request.url);
  if (!isTellerRequest(url)) return;
  event.respondWith(networkFirst(request));
});

function networkFirst(request) {
  return caches.open(CACHE).then(function (cache) {
    var fromNetwork = fetch(request).then(function (response) {
      if (response.ok) cache.put(request, response.clone());
      return response;
    });
    var fallback = new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        cache.match(request).then(function (kept) { if (kept) resolve(kept); });
      }, NETWORK_WAIT_MS);
      fromNetwork.then(function (r) { clearTimeout(timer); resolve(r); }, function (err) {
        clearTimeout(timer);
        cache.match(request).then(function (kept) { if (kept) resolve(kept); else reject(err); });
      });
    });
    return fallback;
  });
}
