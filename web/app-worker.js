// waprivacy's service worker; the site generator fills in the version and
// the app shell. Unlike go-app's default worker, it waits for its work (waitUntil), caches
// only the same-origin shell, answers navigations from the network first
// with the cached page as the offline fallback, and never touches the
// relay or any API traffic.
"use strict";

const cacheName = "app-{{.Version}}";
const wasmURL = "/web/app.wasm";
const shell = {{.ResourcesToCache}}.filter(
  (u) => new URL(u, self.location.origin).origin === self.location.origin,
);

self.addEventListener("install", (event) => {
  // The old worker keeps serving until this one has the whole shell.
  event.waitUntil(
    caches.open(cacheName)
      .then((cache) => cache.addAll(shell))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  // Claiming the open pages is also how they learn of a new version: the
  // loader takes a change of controller for one.
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((k) => k.startsWith("app-") && k !== cacheName).map((k) => caches.delete(k)),
      ))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    // Every route is the same page; offline, the cached "/" opens it.
    event.respondWith(fetch(request).catch(() => caches.match("/", { cacheName })));
    return;
  }
  // The wasm goes straight to the network, where its HTTP cache entry
  // keeps Chrome's compiled code; the loader falls back to this worker's
  // copy itself when offline.
  if (url.pathname === wasmURL || !shell.includes(url.pathname)) {
    return; // the relay at /ws, /healthz, the widget's checks: not ours
  }
  // The rest of the shell: fresh when online, so the page, loader and
  // wasm_exec.js always match the wasm; cached when offline.
  event.respondWith(
    fetch(request).catch(() => caches.match(request, { cacheName })
      .then((hit) => hit || Response.error())),
  );
});
