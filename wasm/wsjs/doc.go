//go:build js

// Package websocket is waprivacy's browser WebSocket transport. It exists so
// that the pinned go.mau.fi/whatsmeow compiles and runs under GOOS=js
// GOARCH=wasm.
//
// whatsmeow imports github.com/coder/websocket and sets
// DialOptions.HTTPClient and DialOptions.HTTPHeader, fields that the js build
// of coder/websocket does not have, so whatsmeow does not compile for wasm.
// This module claims the same module path and implements exactly the API
// whatsmeow uses on top of the browser's WebSocket object, using only the
// standard library and syscall/js.
//
// It is only used by the wasm build, which substitutes it through a
// generated alternate module file:
//
//	cp go.mod build/wasm.mod && cp go.sum build/wasm.sum
//	go mod edit -modfile=build/wasm.mod -replace github.com/coder/websocket=$PWD/wasm/wsjs
//	GOOS=js GOARCH=wasm go build -modfile=build/wasm.mod ./...
//
// Native builds keep the real github.com/coder/websocket.
//
// Dials of whatsmeow's fixed WhatsApp Web URL are sent to waprivacy's relay
// instead (see Dial), because a page cannot reach web.whatsapp.com directly.
package websocket
