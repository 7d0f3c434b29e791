//go:build js

package websocket

import (
	"strings"
	"syscall/js"
	"testing"
)

func TestMapURL(t *testing.T) {
	tests := []struct {
		name, url, configured, origin string
		want                          string
		wantErr                       bool
	}{
		{"configured relay", whatsAppURL, "wss://relay.example/x", "https://app.example", "wss://relay.example/x", false},
		{"https origin", whatsAppURL, "", "https://app.example", "wss://app.example/ws", false},
		{"http origin with port", whatsAppURL, "", "http://127.0.0.1:8080", "ws://127.0.0.1:8080/ws", false},
		{"localhost", whatsAppURL, "", "http://localhost:41234", "ws://localhost:41234/ws", false},
		{"ipv6", whatsAppURL, "", "https://[::1]:8443", "wss://[::1]:8443/ws", false},
		{"other url untouched", "wss://example.org/socket", "wss://relay.example/x", "https://app.example", "wss://example.org/socket", false},
		{"other whatsapp path untouched", "wss://web.whatsapp.com/ws/other", "", "", "wss://web.whatsapp.com/ws/other", false},
		{"no origin", whatsAppURL, "", "", "", true},
		{"opaque origin", whatsAppURL, "", "null", "", true},
		{"file origin", whatsAppURL, "", "file://", "", true},
		{"no host", whatsAppURL, "", "https://", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mapURL(tt.url, tt.configured, tt.origin)
			if (err != nil) != tt.wantErr {
				t.Fatalf("mapURL(%q, %q, %q) error = %v, wantErr %v", tt.url, tt.configured, tt.origin, err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("mapURL(%q, %q, %q) = %q, want %q", tt.url, tt.configured, tt.origin, got, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), relayGlobal) {
				t.Fatalf("error %q does not say how to configure the relay", err)
			}
		})
	}
}

func TestWireClose(t *testing.T) {
	long := strings.Repeat("é", 100) // 200 bytes
	tests := []struct {
		code       StatusCode
		reason     string
		wantCode   StatusCode
		wantReason string
	}{
		{StatusNormalClosure, "bye", StatusNormalClosure, "bye"},
		{4001, "x", 4001, "x"},
		{3000, "", 3000, ""},
		{4999, "", 4999, ""},
		{StatusGoingAway, "away", StatusNormalClosure, "away"},
		{StatusMessageTooBig, "big", StatusNormalClosure, "big"},
		{5000, "", StatusNormalClosure, ""},
		{2999, "", StatusNormalClosure, ""},
		{4000, long, 4000, strings.Repeat("é", 61)}, // 122 bytes: 123 would split a rune
	}
	for _, tt := range tests {
		code, reason := wireClose(tt.code, tt.reason)
		if code != tt.wantCode || reason != tt.wantReason {
			t.Errorf("wireClose(%d, %q) = %d, %q; want %d, %q", tt.code, tt.reason, code, reason, tt.wantCode, tt.wantReason)
		}
	}
}

// TestDialTargetDefault checks the wiring to the page: without the global,
// whatsmeow's URL maps to this page's origin.
func TestDialTargetDefault(t *testing.T) {
	js.Global().Delete(relayGlobal)
	loc := js.Global().Get("location")
	scheme := map[string]string{"http:": "ws://", "https:": "wss://"}[loc.Get("protocol").String()]
	want := scheme + loc.Get("host").String() + "/ws"

	got, err := dialTarget(whatsAppURL)
	if err != nil {
		t.Fatalf("dialTarget: %v", err)
	}
	if got != want {
		t.Fatalf("dialTarget(%q) = %q, want %q", whatsAppURL, got, want)
	}

	for _, v := range []any{"", 42} { // not a non-empty string: ignored
		js.Global().Set(relayGlobal, v)
		if got, err := dialTarget(whatsAppURL); err != nil || got != want {
			t.Fatalf("with %s = %v: dialTarget = %q, %v; want %q", relayGlobal, v, got, err, want)
		}
	}
	js.Global().Delete(relayGlobal)

	if got, err := dialTarget("ws://example.org/x"); err != nil || got != "ws://example.org/x" {
		t.Fatalf("dialTarget(other) = %q, %v", got, err)
	}
}

func TestDialTargetConfigured(t *testing.T) {
	setRelayGlobal(t, "ws://relay.invalid/ws")
	got, err := dialTarget(whatsAppURL)
	if err != nil || got != "ws://relay.invalid/ws" {
		t.Fatalf("dialTarget = %q, %v; want the configured relay", got, err)
	}
}
