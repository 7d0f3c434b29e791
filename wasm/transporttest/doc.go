// Package transporttest tests, in headless Chromium, the WebSocket
// transport whatsmeow has in the page: the real github.com/coder/websocket
// js build (whatsmeow's socket/dialopts_js.go dials through it) plus
// web/static/relay-socket.js, the script that sends whatsmeow's fixed
// wss://web.whatsapp.com/ws/chat to the relay and makes the close codes
// coder/websocket uses actually close the socket.
//
// The package has no code of its own. Its tests build only for js/wasm and
// are run by wasmbrowsertest from proxy's TestBrowserTransportThroughRelay
// (build tag browser, `make test-browser`), which starts the real relay in
// front of an echo upstream, serves the real relay-socket.js from the same
// proxy, and passes its address in TRANSPORTTEST_PROXY. TestMain loads that
// script into the test page the way the app's page does, before anything
// dials, so every dial of the WhatsApp URL must land on that proxy's relay.
package transporttest
