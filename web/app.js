// waprivacy's loader, served as /app.js in place of go-app's; the site
// generator (cmd/app) writes the configuration in. It downloads and starts
// the wasm, installs the app for offline use once the wasm runs, and tells
// the app when a new version has taken over.
//
// go-app's wasm, as this app links it, reads goappGetenv, goappTryUpdate
// and goappUpdatedBeforeWasmLoaded from the page, and sets goappNav,
// goappOnUpdate and goappOnAppInstallChange itself. The rest of go-app's
// loader interface (install prompts, notifications, body cleaning) is not
// in this app's wasm, so it is not here either; the browser test
// TestBrowserLoaderProvidesWhatTheWasmCalls holds the list to the build.
"use strict";
(() => {
  const config = {{.Config}};

  globalThis.goappGetenv = (name) => config.env[name];
  globalThis.goappTryUpdate = checkForUpdate;

  let registered = Promise.resolve(null); // the worker's registration, once asked for
  watchForUpdates();
  start();

  // start downloads and runs the wasm, then installs the app.
  async function start() {
    let go, instance;
    try {
      const response = await fetchWasm();
      go = new Go();
      ({ instance } = await WebAssembly.instantiateStreaming(countProgress(response), go.importObject));
    } catch (err) {
      showLoadFailure(err);
      return;
    }
    performance.mark("waprivacy-wasm-ready");
    go.run(instance);
    document.getElementById("app-wasm-loader").remove();
    registered = registerWorker();
  }

  // fetchWasm fetches the wasm from the network and, when that fails, takes
  // the service worker's copy, so the installed app opens offline. The
  // worker leaves this request alone, so online the browser's HTTP cache,
  // and Chrome's compiled code tied to it, see a plain network response.
  async function fetchWasm() {
    let failure;
    try {
      const response = await fetch(config.wasm);
      if (response.ok) {
        return response;
      }
      failure = new Error(`waprivacy cannot load: the server answered ${response.status} for the app.`);
    } catch {
      failure = new Error("waprivacy cannot load: offline, and not installed on this device yet.");
    }
    // Cache Storage exists only in secure contexts.
    const cached = "caches" in globalThis && (await caches.match(config.wasm));
    if (!cached) {
      throw failure;
    }
    return cached;
  }

  // countProgress shows the download's progress, read from a clone, and
  // returns the response itself: instantiateStreaming must get fetch's own
  // Response, which Chrome ties to the code it compiled; one built around a
  // counting stream is compiled again on every visit.
  function countProgress(response) {
    const label = document.getElementById("app-wasm-loader-label");
    const reader = response.clone().body.getReader();
    let loaded = 0;
    let shown = 0;
    const read = async () => {
      for (;;) {
        const { done, value } = await reader.read();
        // config.wasmSize is the uncompressed size, as the body yields it.
        const percent = done ? 100 : Math.min(99, Math.floor((loaded += value.byteLength) * 100 / config.wasmSize));
        if (percent !== shown) {
          shown = percent;
          label.textContent = config.loadingLabel.replace("{progress}", percent);
        }
        if (done) {
          return;
        }
      }
    };
    // A broken download fails instantiateStreaming too, which reports it.
    read().catch(() => {});
    return response;
  }

  // showLoadFailure leaves the error where the progress was.
  function showLoadFailure(err) {
    document.getElementById("app-wasm-loader-icon").classList.remove("goapp-spin");
    document.getElementById("app-wasm-loader-label").textContent = String(err.message || err);
    console.error("waprivacy: loading the app failed:", err);
  }

  // registerWorker installs the app for offline use. It runs once the wasm
  // does: the worker's first install downloads the whole shell, wasm
  // included, which would compete with the page's own start.
  async function registerWorker() {
    if (!("serviceWorker" in navigator)) {
      return null;
    }
    try {
      return await navigator.serviceWorker.register(config.worker);
    } catch (err) {
      console.error("waprivacy: registering the service worker failed:", err);
      return null;
    }
  }

  // checkForUpdate is go-app's TryUpdate (every 30 minutes here): it has
  // the browser fetch the worker again, and resolves once that is done. A
  // failed check, as offline, has nothing to tell.
  function checkForUpdate() {
    return registered.then((registration) => registration && registration.update()).catch(() => {});
  }

  // watchForUpdates tells go-app when a new version has taken over this
  // page. The worker claims open pages as it activates (app-worker.js), so
  // an update is the page's controller changing from one worker to
  // another; the first worker's claim replaces none. Watching from the
  // start also catches a version that lands while the wasm downloads: the
  // flag tells go-app as it starts.
  function watchForUpdates() {
    if (!("serviceWorker" in navigator)) {
      return;
    }
    let controller = navigator.serviceWorker.controller;
    navigator.serviceWorker.addEventListener("controllerchange", () => {
      if (controller) {
        if (typeof globalThis.goappOnUpdate === "function") {
          globalThis.goappOnUpdate();
        } else {
          globalThis.goappUpdatedBeforeWasmLoaded = true;
        }
      }
      controller = navigator.serviceWorker.controller;
    });
  }
})();
