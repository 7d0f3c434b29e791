// Package proxy serves the waprivacy static site and relays the browser's
// WebSocket to WhatsApp.
//
// The relay forwards WebSocket frames byte for byte, reading only their
// headers, and never parses, stores or logs their payloads: everything it
// sees is already Noise-encrypted by whatsmeow running in the browser, so
// the proxy never holds plaintext, keys or settings. The upstream is fixed
// by configuration; a client can never choose where the relay connects, so
// it cannot be used as an open proxy.
//
// WhatsApp refuses clients whose WhatsApp Web version it considers
// outdated, and only WhatsApp Web's page, which a browser cannot read
// across origins, says what is current. So the proxy reads that page
// itself, now and then, and serves the version same-origin at /wa-version
// for the app to use.
package proxy
