// Package emutrust makes whatsmeow trust the emulated WhatsApp server
// (cmd/waemu) instead of WhatsApp's real certificate root.
//
// Import it for its side effect in the app's entry point:
//
//	import _ "github.com/waprivacy/waprivacy/wasm/emutrust"
//
// Without the "waemu" build tag the package is empty and changes nothing, so
// production builds keep whatsmeow's real root. With the tag, its init sets
// whatsmeow.WACertPubKey to the emulator's TEST-ONLY root key, whose private
// half is published in this repository: such a build must never talk to the
// real service. Enabled says which kind of build this is, so the page can
// say so.
package emutrust
