// waprivacy's loader, served as /app.js in place of go-app's. It provides
// the functions go-app's wasm calls (goappGetenv, goappKeepBodyClean,
// goappTryUpdate, goappIsAppInstallable, goappIsAppleBrowser,
// goappShowInstallPrompt, goappNewNotification,
// goappSubscribePushNotifications, and the goappNav/goappOnUpdate/
// goappOnAppInstallChange hooks it sets), and loads the wasm so that
// Chrome keeps its compiled code between visits: the Response handed to
// instantiateStreaming is fetch's own, never a constructed one, and the
// progress is counted on a clone: a wrapped Response makes Chrome compile
// the wasm again on every visit.
// The site generator fills in the placeholders in double braces.
"use strict";

var goappNav = function () {};

var goappUpdatedBeforeWasmLoaded = false;
var goappOnUpdate = function () {
  goappUpdatedBeforeWasmLoaded = true;
};

var goappAppInstallChangedBeforeWasmLoaded = false;
var goappOnAppInstallChange = function () {
  goappAppInstallChangedBeforeWasmLoaded = true;
};

const goappEnv = {{.Env}};
const goappLoadingLabel = "{{.LoadingLabel}}";
const goappWasmURL = "{{.Wasm}}";
const goappWasmContentLength = {{.WasmContentLength}};

let goappServiceWorkerRegistration;
let deferredPrompt = null;

goappWatchForInstallable();
goappInitWebAssembly();

// Service worker and updates: a new worker that activates while an older
// one served this page means a new version is ready. (The first worker
// claims the page as it activates, so the controller alone cannot tell.)
async function goappInitServiceWorker() {
  if (!("serviceWorker" in navigator)) {
    return;
  }
  const servedByWorker = !!navigator.serviceWorker.controller;
  try {
    const registration = await navigator.serviceWorker.register("{{.WorkerJS}}");
    goappServiceWorkerRegistration = registration;
    registration.addEventListener("updatefound", () => {
      const worker = registration.installing;
      worker.addEventListener("statechange", () => {
        if (servedByWorker && worker.state === "activated") {
          goappOnUpdate();
        }
      });
    });
  } catch (err) {
    console.error("waprivacy: registering the service worker failed:", err);
  }
}

function goappTryUpdate() {
  if (goappServiceWorkerRegistration) {
    goappServiceWorkerRegistration.update();
  }
}

// Installing the app.
function goappWatchForInstallable() {
  window.addEventListener("beforeinstallprompt", (e) => {
    e.preventDefault();
    deferredPrompt = e;
    goappOnAppInstallChange();
  });
  window.addEventListener("appinstalled", () => {
    deferredPrompt = null;
    goappOnAppInstallChange();
  });
}

function goappIsAppInstallable() {
  return !goappIsAppInstalled() && (deferredPrompt != null || goappIsAppleBrowser());
}

function goappIsAppInstalled() {
  return navigator.standalone === true ||
    window.matchMedia("(display-mode: standalone)").matches;
}

function goappIsAppleBrowser() {
  const ua = navigator.userAgent;
  const iPadOS = /\bMacintosh\b/.test(ua) && navigator.maxTouchPoints > 1;
  const macSafari = /\bMacintosh\b/.test(ua) && /\bSafari\b/.test(ua) &&
    !/\bChrome\b|\bEdg\b|\bOPR\b|\bBrave\b/.test(ua);
  return /iP(hone|ad|od)/.test(ua) || iPadOS || macSafari;
}

async function goappShowInstallPrompt() {
  if (!deferredPrompt) {
    return;
  }
  deferredPrompt.prompt();
  await deferredPrompt.userChoice;
  deferredPrompt = null;
}

// Environment.
function goappGetenv(k) {
  return goappEnv[k];
}

// Notifications: the app sends none, but go-app's API may be called.
function goappNewNotification(jsonNotification) {
  const n = JSON.parse(jsonNotification);
  const title = n.title;
  delete n.title;
  new Notification(title, n).onclick = () => goappNav(n.path || "/");
}

async function goappSubscribePushNotifications() {
  return "";
}

// go-app owns the body: drop anything added after its root.
function goappKeepBodyClean() {
  const body = document.body;
  const count = body.children.length;
  const observer = new MutationObserver(() => {
    while (body.children.length > count) {
      body.removeChild(body.lastChild);
    }
  });
  observer.observe(body, { childList: true });
  return () => observer.disconnect();
}

// Loading the wasm.
async function goappInitWebAssembly() {
  const loader = document.getElementById("app-wasm-loader");
  const label = document.getElementById("app-wasm-loader-label");
  const showProgress = (p) => {
    label.innerText = goappLoadingLabel.replace("{progress}", p);
  };
  try {
    showProgress(0);
    const response = await fetchWasm();
    const go = new Go();
    const wasm = await WebAssembly.instantiateStreaming(countProgress(response, showProgress), go.importObject);
    performance.mark("waprivacy-wasm-ready");
    go.run(wasm.instance);
    loader.remove();
    // Only now: the worker's first install downloads the whole shell,
    // wasm included, which would compete with the page's own start.
    goappInitServiceWorker();
  } catch (err) {
    document.getElementById("app-wasm-loader-icon").className = "goapp-logo";
    label.innerText = err;
    console.error("waprivacy: loading the app failed:", err);
  }
}

// fetchWasm fetches the wasm from the network and, when there is none,
// from the service worker's copy, so the app opens offline. The worker
// leaves this request alone while online, so the browser's HTTP cache and
// V8's code cache see a plain network response.
async function fetchWasm() {
  try {
    const response = await fetch(goappWasmURL);
    if (response.ok) {
      return response;
    }
  } catch (err) {
    // Offline: try the cached copy below.
  }
  const cached = await caches.match(goappWasmURL);
  if (!cached) {
    throw new Error("waprivacy cannot load: offline, and not installed on this device yet.");
  }
  return cached;
}

// countProgress reports the download's progress by reading a clone of
// the response, and returns the original untouched.
function countProgress(response, progress) {
  const total = goappWasmContentLength || +response.headers.get("X-Uncompressed-Length") || 0;
  if (total > 0 && response.body) {
    const reader = response.clone().body.getReader();
    let loaded = 0;
    const read = () => reader.read().then(({ done, value }) => {
      if (done) {
        progress(100);
        return;
      }
      loaded += value.byteLength;
      progress(Math.min(100, Math.round((loaded * 100) / total)));
      return read();
    });
    read().catch(() => {});
  }
  return response;
}
