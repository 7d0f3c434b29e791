//go:build browser

package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
	"github.com/waprivacy/waprivacy/proxy"
)

// TestBrowserDemoLinksThroughTheEmulator is `make demo` end to end: the app
// built with the waemu tag, served by the real proxy relaying to the
// emulator, shows a QR code; the emulated phone scans the text shown on the
// page, and the page reports the account as linked.
func TestBrowserDemoLinksThroughTheEmulator(t *testing.T) {
	dist := os.Getenv("WAPRIVACY_DEMO_DIST")
	if dist == "" {
		t.Fatal("WAPRIVACY_DEMO_DIST is not set: run `make test`, which builds the demo site first")
	}
	env := emutest.Start(t)
	srv, err := proxy.New(proxy.Config{
		Dist:           dist,
		Upstream:       "ws://" + env.Addr() + "/ws/chat",
		UpstreamOrigin: env.HTTP.URL,
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Shutdown(context.Background()) })

	ctx := newBrowser(t)
	var qr string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL),
		chromedp.WaitVisible(`#connection[data-state="waiting-for-scan"] #qr-text`, chromedp.ByQuery),
		chromedp.Text("#qr-text", &qr, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "demo-waiting-for-scan")
	const phone = "5511988887777"
	env.Control(t, http.MethodPost, "/control/scan", map[string]string{"qr": qr, "phone": phone}, http.StatusOK, nil)
	if err := chromedp.Run(ctx,
		chromedp.WaitVisible(`#connection[data-state="connected"]`, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "demo-connected")
	if devices := env.Account(t, phone).Devices; len(devices) != 1 {
		t.Errorf("the emulator lists %d linked devices, want 1", len(devices))
	}
}
