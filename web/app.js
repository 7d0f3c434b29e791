// waprivacy's loader, served as /app.js in place of go-app's; the site
// generator (cmd/app) writes the configuration in. It downloads and starts
// the wasm, installs the app for offline use once the wasm runs, tells the
// app when a new version has taken over, and says so over the page if the
// Go program ends.
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
    runProgram(go, instance);
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

  // runProgram runs the Go program and says so over the page when it
  // ends. go.run's promise settles only then: it resolves once the program
  // has exited (a fatal error, or a panic in a goroutine that wasm/crash
  // does not guard, such as go-app's own), and rejects when an exception
  // stops its first run. From then on every call into Go fails with "Go
  // program has already exited".
  function runProgram(go, instance) {
    const lastWords = keepErrorOutput();
    let exitCode;
    // Replaces wasm_exec.js's own, which only logs a non-zero code.
    go.exit = (code) => {
      exitCode = code;
    };
    go.run(instance).then(
      () => programEnded(`The Go program exited with code ${exitCode}.`, lastWords()),
      (err) => programEnded("The Go program stopped with an exception.", String(err && err.stack || err), err),
    );
  }

  // keepErrorOutput keeps the end of what the program writes to standard
  // error (wasm_exec.js prints it on the console), where the runtime
  // writes a panic or fatal error before it exits, and returns a function
  // that gives its last such report, or the end of the output if none.
  function keepErrorOutput() {
    const limit = 16384;
    const decoder = new TextDecoder();
    const write = globalThis.fs.writeSync;
    let text = "";
    globalThis.fs.writeSync = function (fd, buf) {
      if (fd === 2) {
        text = (text + decoder.decode(buf, { stream: true })).slice(-limit);
      }
      return write.call(this, fd, buf);
    };
    return () => {
      const reports = [...text.matchAll(/^(?:panic|fatal error): /gm)];
      return reports.length > 0 ? text.slice(reports[reports.length - 1].index) : text;
    };
  }

  // programEnded logs the end (the runtime's own report is on the console
  // already) and shows it.
  function programEnded(summary, details, ...logged) {
    console.error("waprivacy: the app stopped. " + summary, ...logged);
    showProgramEnded(summary + "\n\n" + details);
  }

  // showProgramEnded puts an error with a Reload button over the page. It
  // looks and reads like wasm/crash's, which says that a part of the app
  // failed and which this one replaces: now all of it has. The page beneath
  // is made inert, as its controls are dead; the error sits outside the
  // body, so it is not.
  function showProgramEnded(details) {
    const t = endedTexts(document.documentElement.lang);
    const el = (tag, text) => {
      const e = document.createElement(tag);
      e.textContent = text || "";
      return e;
    };
    document.getElementById("waprivacy-crash")?.remove();
    const box = el("div");
    box.id = "waprivacy-ended";
    box.className = "banner banner-warn crash";
    box.setAttribute("role", "alert");
    Object.assign(box.style, {
      position: "fixed", left: "0", right: "0", bottom: "0", zIndex: "2147483647",
      margin: "0", padding: "1rem", background: "#fff3cd", color: "#3b2c00",
      borderTop: "2px solid #b58100", font: "16px/1.4 system-ui, sans-serif",
    });
    const title = el("p");
    title.append(el("strong", t.title));
    const reload = el("button", t.reload);
    reload.type = "button";
    reload.className = "button";
    reload.addEventListener("click", () => location.reload());
    const more = el("details");
    const pre = el("pre", details);
    Object.assign(pre.style, { whiteSpace: "pre-wrap", overflowWrap: "anywhere", maxHeight: "40vh", overflow: "auto" });
    more.append(el("summary", t.details), pre);
    box.append(title, el("p", t.hint), reload, more);
    document.body.inert = true;
    document.documentElement.append(box);
    reload.focus();
  }

  // endedTexts are the error's words in the page's language, which the
  // app keeps on the root element.
  function endedTexts(lang) {
    if (lang.toLowerCase().startsWith("pt")) {
      return {
        title: "O waprivacy parou de funcionar",
        hint: "O app foi encerrado e não responde mais. Recarregue a página para iniciá-lo de novo; suas contas vinculadas e configurações continuam salvas.",
        reload: "Recarregar",
        details: "Detalhes",
      };
    }
    return {
      title: "waprivacy stopped working",
      hint: "The app has ended and no longer responds. Reload the page to start it again; your linked accounts and settings are kept.",
      reload: "Reload",
      details: "Details",
    };
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
