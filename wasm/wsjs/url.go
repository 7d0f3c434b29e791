//go:build js

package websocket

import (
	"errors"
	"fmt"
	"net/url"
	"syscall/js"
)

// whatsAppURL is the fixed URL whatsmeow dials (socket.URL).
const whatsAppURL = "wss://web.whatsapp.com/ws/chat"

// relayGlobal names the JS global through which the app may configure the
// relay URL, e.g. when the app is embedded in another page.
const relayGlobal = "waprivacyRelayURL"

// dialTarget returns the URL to dial for u in the current page.
func dialTarget(u string) (string, error) {
	if u != whatsAppURL {
		return u, nil
	}
	configured := ""
	if v := js.Global().Get(relayGlobal); v.Type() == js.TypeString {
		configured = v.String()
	}
	origin := ""
	if loc := js.Global().Get("location"); loc.Type() == js.TypeObject {
		if o := loc.Get("origin"); o.Type() == js.TypeString {
			origin = o.String()
		}
	}
	return mapURL(u, configured, origin)
}

// mapURL sends a dial of whatsmeow's fixed URL to the relay: configured if it
// is non-empty, otherwise the page origin with http→ws, https→wss and path
// /ws. Any other URL is returned unchanged.
func mapURL(u, configured, pageOrigin string) (string, error) {
	if u != whatsAppURL {
		return u, nil
	}
	if configured != "" {
		return configured, nil
	}
	relay, err := relayFromOrigin(pageOrigin)
	if err != nil {
		return "", fmt.Errorf("websocket: cannot map %s to the relay (set globalThis.%s): %w", u, relayGlobal, err)
	}
	return relay, nil
}

// relayFromOrigin derives the relay URL from a page origin such as
// "https://example.org:8443".
func relayFromOrigin(origin string) (string, error) {
	if origin == "" {
		return "", errors.New("page origin is unknown")
	}
	o, err := url.Parse(origin)
	if err != nil {
		return "", fmt.Errorf("page origin %q: %w", origin, err)
	}
	var scheme string
	switch o.Scheme {
	case "http":
		scheme = "ws"
	case "https":
		scheme = "wss"
	default:
		return "", fmt.Errorf("page origin %q is not http or https", origin)
	}
	if o.Host == "" {
		return "", fmt.Errorf("page origin %q has no host", origin)
	}
	return (&url.URL{Scheme: scheme, Host: o.Host, Path: "/ws"}).String(), nil
}
