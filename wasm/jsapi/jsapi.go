// Package jsapi exposes the privacy API to JavaScript in the page, as
// window.waprivacy (typed in web/widget/waprivacy.d.ts):
//
//	const {status, body} = await waprivacy.request("POST", "/privacy/photo", {visualizationType: "CONTACTS"});
//	const off = waprivacy.on("privacy", (e) => console.log(e.source, e.settings));
//	waprivacy.status(); // {state: "connected", account: "5511…", …}
//
// and, inside the embeddable widget's iframe, answers the same calls sent
// by the host page over postMessage. Requests and answers cross the
// boundary as JSON, in Z-API's and RyzeAPI's shapes.
package jsapi

import (
	"context"

	"github.com/waprivacy/waprivacy/wasm/api"
)

// Backend is what the page offers to JavaScript.
type Backend interface {
	// Do answers one Z-API or RyzeAPI request.
	Do(ctx context.Context, req api.Request) api.Response
	// Status is the connection state now.
	Status() StatusEvent
	// Subscribe calls fn for every event ("connection" or "privacy") until
	// cancel is called; data is JSON-encodable. fn must not block.
	Subscribe(fn func(event string, data any)) (cancel func())
}

// Events JavaScript can subscribe to.
const (
	EventConnection = "connection"
	EventPrivacy    = "privacy"
)

// knownEvent reports whether name is an event Subscribe delivers.
func knownEvent(name string) bool { return name == EventConnection || name == EventPrivacy }
