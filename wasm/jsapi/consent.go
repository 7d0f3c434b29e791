package jsapi

import (
	"net/http"

	"github.com/waprivacy/waprivacy/wasm/api"
	"github.com/waprivacy/waprivacy/wasm/siteaccess"
)

// Consent is what the person decided, inside the widget, about the page
// that embeds it: that page gets nothing about the account until the
// person allows it, and linking codes never, since a host that shows the
// QR code elsewhere could link someone's account to a stranger.
type Consent interface {
	// Greeted says that the page at origin, which may embed the app,
	// greeted the widget: the person is asked about it, if they have not
	// decided yet.
	Greeted(origin string)
	// Access is what the person let origin do with the account on screen.
	Access(origin string) siteaccess.Access
	// OnChange calls fn whenever Access may have changed, until cancel is
	// called. fn must not block.
	OnChange(fn func()) (cancel func())
}

// StateConsentNeeded is the host's state until the person allows it.
const StateConsentNeeded = "consent-needed"

// Error codes of the answers a host gets without the access they need.
const (
	codeConsentNeeded = "consent-needed"
	codeReadOnly      = "read-only"
)

// hostStatus is the status the host may see, given its access.
func hostStatus(s StatusEvent, access siteaccess.Access) StatusEvent {
	switch access {
	case siteaccess.Read, siteaccess.Change:
		s.QRCode, s.PairingCode = "", ""
		s.Access = string(access)
		return s
	case siteaccess.Denied:
		return StatusEvent{State: StateConsentNeeded,
			Detail: "The person did not allow this site to use their WhatsApp privacy settings; they can change their answer in the widget."}
	default:
		return StatusEvent{State: StateConsentNeeded,
			Detail: "The person has not allowed this site to use their WhatsApp privacy settings yet; the widget asks them."}
	}
}

// refusal is the answer to a host request that its access does not
// allow, or false if it may go ahead. Only GET reads; every other method
// asks for a change.
func refusal(method string, access siteaccess.Access) (api.Response, bool) {
	change := method != http.MethodGet
	if access.Allows(change) {
		return api.Response{}, false
	}
	code, message := codeConsentNeeded, hostStatus(StatusEvent{}, access).Detail
	if access.Allows(false) {
		code, message = codeReadOnly, "The person allowed this site to read their WhatsApp privacy settings, not to change them."
	}
	return api.Response{Status: http.StatusForbidden, Body: map[string]any{"success": false,
		"error": map[string]string{"message": message, "code": code}}}, true
}
