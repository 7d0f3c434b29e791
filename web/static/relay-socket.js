// relay-socket.js sends whatsmeow's WebSocket to this site's relay.
//
// whatsmeow, compiled to wasm, dials the fixed wss://web.whatsapp.com/ws/chat
// with coder/websocket's js build, which calls `new WebSocket(url)` on the
// global at each dial. A page cannot talk to WhatsApp itself, so this
// classic script, loaded synchronously in the head before the wasm loader,
// replaces globalThis.WebSocket with a subclass of the native one that
// sends exactly that URL to the relay (/ws) at the origin that served this
// script (http→ws, https→wss). Every other URL is left alone.
"use strict";
(() => {
  const whatsApp = "wss://web.whatsapp.com/ws/chat";
  const served = new URL(document.currentScript.src);
  const relay = (served.protocol === "https:" ? "wss://" : "ws://") + served.host + "/ws";
  const Native = globalThis.WebSocket;

  class RelaySocket extends Native {
    constructor(url, ...protocols) {
      super(String(url) === whatsApp ? relay : url, ...protocols);
    }

    // A page may close with 1000 or 3000–4999 only; other codes throw
    // InvalidAccessError and leave the socket as it was. coder/websocket
    // closes with such codes (CloseNow 1001, a cancelled dial or read 1008,
    // its read limit 1009, errors 1011), so an open socket is closed with
    // 1000 instead.
    //
    // Otherwise the call still throws. When it does not, coder/websocket's
    // Close waits for the close event holding a lock, and its error handler
    // calls Close(1011) inside the error event, which the browser fires just
    // before the close event: not throwing there would hang the page. A
    // closing or closed socket needs nothing more; a connecting one (a
    // cancelled dial) is closed just after, once that Close has returned.
    close(code, reason) {
      if (code === undefined || code === 1000 || (code >= 3000 && code <= 4999)) {
        return super.close(code, reason);
      }
      if (this.readyState === Native.OPEN) {
        return super.close(1000, reason);
      }
      if (this.readyState === Native.CONNECTING) {
        setTimeout(() => super.close(1000, reason));
      }
      return super.close(code, reason);
    }
  }

  globalThis.WebSocket = RelaySocket;
})();
