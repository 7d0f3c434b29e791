//go:build browser

package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
)

// TestBrowserSettingsAreReadAtLogin: after a reload, the page has the
// settings read from WhatsApp before it shows Connected. The reads go out
// when the login succeeds, beside whatsmeow's prekey-count and <active/>
// IQs, so they are answered a round trip before whatsmeow raises
// Connected; at 200 ms RTT that gap is far above the page's own delays.
// In the browser, whatsmeow's handler marks the client logged in only
// after the engine's goroutine has run, which a native test cannot show.
func TestBrowserSettingsAreReadAtLogin(t *testing.T) {
	env, s, ctx := openPaired(t, 2*time.Minute)
	env.SetFaults(t, emulator.Faults{LatencyMs: 100})
	var marks map[string]float64
	run(t, ctx, "reloading at 200 ms RTT",
		chromedp.Navigate(s.URL),
		chromedp.Poll(`performance.getEntriesByName("waprivacy-connected").length > 0`, nil,
			chromedp.WithPollingInterval(20*time.Millisecond)),
		chromedp.Evaluate(`Object.fromEntries(performance.getEntriesByType("mark").map((m) => [m.name, m.startTime]))`, &marks),
	)
	live, ok := marks["waprivacy-settings-live"]
	if connected := marks["waprivacy-connected"]; !ok || live >= connected {
		t.Errorf("the settings were read at %v ms (ok %v), Connected shown at %.0f ms: want them read first", live, ok, connected)
	}
}
