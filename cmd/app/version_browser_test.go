//go:build browser

package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.mau.fi/whatsmeow/store"

	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
	"github.com/waprivacy/waprivacy/proxy"
)

// TestBrowserLearnsTheCurrentVersionAndSaysWhenOutdated: WhatsApp accepts
// only clients at least as new as a minimum, newer here than the version
// this build carries. Through a proxy that learns the current version
// (from the emulator's page, as it would from web.whatsapp.com) the app
// links; through one that cannot tell, the app is refused and says it
// needs an update instead of reconnecting.
func TestBrowserLearnsTheCurrentVersionAndSaysWhenOutdated(t *testing.T) {
	env := emutest.Start(t)
	// The test binary and the wasm share go.mod, so this is the wasm's.
	built := store.GetWAVersion()
	current := fmt.Sprintf("2.3000.%d", built[2]+1)
	env.SetVersions(t, &current, &current)

	learning := serveSite(t, distDir(t, "WAPRIVACY_DEMO_DIST"), proxy.Config{
		Upstream:        "ws://" + env.Addr() + "/ws/chat",
		UpstreamOrigin:  env.HTTP.URL,
		WAVersionSource: env.HTTP.URL + "/",
	})
	ctx := newBrowser(t, 2*time.Minute, "en-US")
	run(t, ctx, "opening the app behind a proxy that knows the version",
		chromedp.Navigate(learning.URL), chromedp.WaitVisible("#connect #qr svg", chromedp.ByQuery))
	pair(t, ctx, env, phone)

	unknowing := demoSite(t, env) // no version source: /wa-version answers 503
	ctx = newBrowser(t, 2*time.Minute, "en-US")
	run(t, ctx, "opening the app behind a proxy that cannot tell",
		chromedp.Navigate(unknowing.URL),
		chromedp.WaitVisible(`#connection[data-state="outdated"]`, chromedp.ByQuery),
	)
	if got := textOf(t, ctx, "#connection h2"); got == "" {
		t.Error("the outdated state has no heading")
	}
	shoot(t, ctx, "outdated")
	// It stays put rather than retrying: no QR code ever appears.
	time.Sleep(3 * time.Second)
	var qr int
	run(t, ctx, "checking it stopped", chromedp.Evaluate(`document.querySelectorAll("#qr svg").length`, &qr))
	if qr != 0 {
		t.Error("an outdated app went on to show a QR code")
	}
}
