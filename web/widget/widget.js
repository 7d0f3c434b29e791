// waprivacy widget: include with one script tag on your page, e.g.
//
//   <script src="https://privacy.example.com/widget.js" data-lang="pt-BR" data-theme="light"></script>
//
// It embeds the app (its /embed route) in an iframe right after the tag, or
// inside the element named by data-target, sizes the iframe to its content,
// and gives the page window.waprivacy: the same request/on/status API the
// app offers, carried over postMessage. The app's operator must allow this
// page's origin (the proxy's -frame-ancestors), and then the person, inside
// the iframe: until they do, status() is {state: "consent-needed"} and
// requests get 403. Linking codes never reach this page.
(() => {
  "use strict";
  const script = document.currentScript;
  const appOrigin = new URL(script.dataset.origin || script.src, location.href).origin;
  const timeoutMs = Number(script.dataset.timeout) || 30000;

  const params = new URLSearchParams();
  if (script.dataset.lang) params.set("lang", script.dataset.lang);
  if (script.dataset.theme) params.set("theme", script.dataset.theme);
  const frame = document.createElement("iframe");
  frame.src = appOrigin + "/embed" + (params.size ? "?" + params : "");
  frame.title = script.dataset.title || "WhatsApp privacy settings";
  frame.style.cssText = "border:0;width:100%;height:480px;display:block;color-scheme:normal";
  frame.setAttribute("allow", "clipboard-write");
  const target = script.dataset.target && document.querySelector(script.dataset.target);
  if (target) target.appendChild(frame);
  else script.after(frame);

  const pending = new Map(); // request id → {resolve, reject, timer}
  const listeners = { connection: new Set(), privacy: new Set() };
  let lastStatus = { state: "loading" };
  let nextId = 0;
  let settleReady;
  const ready = new Promise((resolve, reject) => { settleReady = { resolve, reject }; });
  // A page the app may not be embedded in never hears from it: the
  // browser blocks the frame (CSP frame-ancestors).
  const readyTimer = setTimeout(() => settleReady.reject(new Error(
    "waprivacy: the app did not answer within " + timeoutMs + " ms; is this site allowed to embed it?")), timeoutMs);
  ready.then(() => clearTimeout(readyTimer), () => {});

  // The iframe answers only after a greeting, and then only us. Greet when
  // it loads and again when its app says it is listening (the wasm starts
  // after the load event).
  const hello = () => frame.contentWindow.postMessage({ type: "waprivacy:hello" }, appOrigin);
  frame.addEventListener("load", hello);

  window.addEventListener("message", (event) => {
    if (event.source !== frame.contentWindow || event.origin !== appOrigin) return;
    const msg = event.data;
    if (!msg || typeof msg.type !== "string") return;
    switch (msg.type) {
      case "waprivacy:listening":
        hello();
        break;
      case "waprivacy:ready":
        lastStatus = msg.status;
        settleReady.resolve(msg.status);
        break;
      case "waprivacy:refused":
        console.error("waprivacy:", msg.message);
        settleReady.reject(new Error(msg.message));
        break;
      case "waprivacy:resize":
        if (msg.height > 0) frame.style.height = msg.height + "px";
        break;
      case "waprivacy:response": {
        const call = pending.get(msg.id);
        if (!call) return;
        pending.delete(msg.id);
        clearTimeout(call.timer);
        call.resolve({ status: msg.status, body: msg.body });
        break;
      }
      case "waprivacy:event":
        if (msg.event === "connection") lastStatus = msg.data;
        for (const fn of listeners[msg.event] || []) {
          try { fn(msg.data); } catch (err) { console.error(err); }
        }
        break;
    }
  });

  window.waprivacy = Object.freeze({
    ready,
    request(method, path, body) {
      if (typeof method !== "string" || typeof path !== "string") {
        return Promise.reject(new TypeError("waprivacy.request(method, path, body?): method and path must be strings"));
      }
      return ready.then(() => new Promise((resolve, reject) => {
        const id = String(++nextId);
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error("waprivacy: no answer within " + timeoutMs + " ms"));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        frame.contentWindow.postMessage({ type: "waprivacy:request", id, method, path, body }, appOrigin);
      }));
    },
    on(event, fn) {
      if (!listeners[event] || typeof fn !== "function") {
        throw new TypeError('waprivacy.on(event, fn): event must be "connection" or "privacy" and fn a function');
      }
      listeners[event].add(fn);
      return () => listeners[event].delete(fn);
    },
    status() {
      return lastStatus;
    },
  });
})();
