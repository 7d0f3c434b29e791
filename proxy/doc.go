// Package proxy serves the waprivacy static site and relays the browser's
// WebSocket to WhatsApp.
//
// The relay copies messages byte for byte and never parses, stores or logs
// them: everything it sees is already Noise-encrypted by whatsmeow running in
// the browser, so the proxy never holds plaintext, keys or settings. The
// upstream is fixed by configuration; a client can never choose where the
// relay connects, so it cannot be used as an open proxy.
package proxy
