// waprivacy service worker. go-app fills in the version and the app shell.
// Unlike go-app's default worker it waits for its work (waitUntil), caches
// only same-origin shell files, serves navigations network-first with an
// offline fallback, and never touches relay or API traffic.
const cacheName = "app-{{.Version}}";
const shell = {{.ResourcesToCache}}.filter(
  (u) => new URL(u, self.location.origin).origin === self.location.origin,
);

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(cacheName)
      .then((cache) => cache.addAll(shell))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
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
    event.respondWith(
      fetch(request).catch(() => caches.match("/", { cacheName })),
    );
    return;
  }
  if (shell.includes(url.pathname)) {
    event.respondWith(
      caches.match(request, { cacheName }).then((hit) => hit || fetch(request)),
    );
  }
  // Everything else (the relay at /ws, health checks, future APIs) goes
  // straight to the network.
});
