//go:build browser

package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
	"github.com/waprivacy/waprivacy/proxy"
)

// waitInstalled waits until the service worker controls the page and has
// the whole app, wasm included, for offline use.
func waitInstalled(t testing.TB, ctx context.Context) {
	t.Helper()
	waitFor(t, ctx, "the app installed for offline use",
		`navigator.serviceWorker.controller !== null && caches.match("/web/app.wasm").then((r) => !!r)`)
}

// queue edits a setting while offline and waits until the app says it is
// saved for later.
func queueEdit(t testing.TB, ctx context.Context, field, value string) {
	t.Helper()
	form := "#form-" + field
	run(t, ctx, "queueing "+field+"="+value,
		pick(`#`+field+`-`+value),
		chromedp.WaitEnabled(form+` button[type="submit"]`, chromedp.ByQuery),
		press(form+` button[type="submit"]`),
		chromedp.WaitVisible(form+` .result[data-phase="queued"]`, chromedp.ByQuery),
	)
}

// TestBrowserOfflineStartAndQueuedEdits: with the network gone, the
// installed app still opens and shows the last-known settings, marked as
// such; edits made then survive a reload and are applied on reconnection,
// except one whose field the phone changed meanwhile, which waits for the
// person's choice.
func TestBrowserOfflineStartAndQueuedEdits(t *testing.T) {
	env := emutest.Start(t)
	s := demoSite(t, env)
	ctx := newBrowser(t, 3*time.Minute, "en-US")
	run(t, ctx, "opening the app", chromedp.Navigate(s.URL), chromedp.WaitVisible("#connect #qr svg", chromedp.ByQuery))
	pair(t, ctx, env, phone)
	waitInstalled(t, ctx)

	s.goOffline()
	run(t, ctx, "reopening offline",
		chromedp.Reload(),
		chromedp.WaitVisible("#offline", chromedp.ByQuery),
		chromedp.WaitVisible(`#form-last[data-current="all"]`, chromedp.ByQuery),
	)
	shoot(t, ctx, "offline")

	queueEdit(t, ctx, "last", "contacts")
	queueEdit(t, ctx, "status", "contacts")
	run(t, ctx, "reloading, still offline",
		chromedp.Reload(),
		chromedp.WaitVisible(`#queue li[data-fields="last"][data-state="pending"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#queue li[data-fields="status"][data-state="pending"]`, chromedp.ByQuery),
	)
	shoot(t, ctx, "offline-queued")
	if acc := env.Account(t, phone); acc.Privacy["last"] != "all" {
		t.Fatalf("an edit made offline reached WhatsApp: last=%q", acc.Privacy["last"])
	}

	// Meanwhile About is changed on the phone too.
	env.Control(t, http.MethodPost, "/control/accounts/"+phone+"/privacy", map[string]string{"status": "none"}, http.StatusOK, nil)
	s.goOnline()
	run(t, ctx, "reconnecting",
		press("#retry"),
		chromedp.WaitVisible(`#connection[data-state="connected"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#queue li[data-fields="status"][data-state="conflict"]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`#queue li[data-fields="last"]`, chromedp.ByQuery),
	)
	shoot(t, ctx, "offline-conflict")
	acc := env.Account(t, phone)
	if acc.Privacy["last"] != "contacts" {
		t.Errorf("after reconnecting the emulator has last=%q; the queued edit was not applied", acc.Privacy["last"])
	}
	if acc.Privacy["status"] != "none" {
		t.Errorf("the conflicting edit overwrote the phone's About (%q) before the person chose", acc.Privacy["status"])
	}
	run(t, ctx, "keeping mine",
		press(`#queue li[data-fields="status"] button[data-do="keep-mine"]`),
		chromedp.WaitNotVisible(`#queue`, chromedp.ByQuery),
		chromedp.WaitVisible(`#form-status[data-current="contacts"]`, chromedp.ByQuery),
	)
	if got := env.Account(t, phone).Privacy["status"]; got != "contacts" {
		t.Errorf("after keeping mine the emulator has About %q", got)
	}
}

// installedFromCopy serves a copy of the production build, for the test
// to publish a new version into, and opens the app there until it is
// installed for offline use.
func installedFromCopy(t testing.TB) (dist string, s *site, ctx context.Context) {
	t.Helper()
	dist = t.TempDir()
	if err := os.CopyFS(dist, os.DirFS(distDir(t, "WAPRIVACY_DIST"))); err != nil {
		t.Fatal(err)
	}
	s = serveSite(t, dist, proxy.Config{Upstream: deadUpstream(t)})
	ctx = newBrowser(t, 2*time.Minute, "en-US")
	run(t, ctx, "opening the app", chromedp.Navigate(s.URL), chromedp.WaitVisible("#connect", chromedp.ByQuery))
	waitInstalled(t, ctx)
	return dist, s, ctx
}

// TestBrowserUpdateAvailable publishes a new version under a running
// app: the service worker notices, and the page offers to reload.
func TestBrowserUpdateAvailable(t *testing.T) {
	dist, _, ctx := installedFromCopy(t)
	// A later visit, served by the installed worker.
	run(t, ctx, "coming back", chromedp.Reload(), chromedp.WaitVisible("#connect", chromedp.ByQuery))
	// An update check now finds nothing new. It also outlasts the check the
	// navigation started, which a later one would join, reading the old
	// worker.
	waitFor(t, ctx, "an update check that finds nothing new", `goappTryUpdate().then(() => true)`)
	var banners int
	run(t, ctx, "looking for an update prompt", chromedp.Evaluate(`document.querySelectorAll("#update-banner").length`, &banners))
	if banners != 0 {
		t.Error("an update is offered before there is one")
	}

	publishNewWorker(t, dist)
	run(t, ctx, "checking for updates",
		chromedp.Evaluate(`goappTryUpdate()`, nil),
		chromedp.WaitVisible("#update-banner", chromedp.ByQuery),
	)
	shoot(t, ctx, "update-available")
	run(t, ctx, "reloading",
		press("#update-banner button"),
		chromedp.WaitVisible("#connect", chromedp.ByQuery),
		chromedp.WaitNotPresent("#update-banner", chromedp.ByQuery),
	)
}

// TestBrowserUpdateLandingWhileTheWasmLoads: a new version whose worker
// takes over while the page is still downloading the wasm is offered as
// soon as the app starts, though go-app was not there to be told.
func TestBrowserUpdateLandingWhileTheWasmLoads(t *testing.T) {
	dist, s, ctx := installedFromCopy(t)

	publishNewWorker(t, dist)
	// The page's own download of the wasm waits; the new worker's, for its
	// cache, does not. The page's comes first: the worker fetches the
	// shell only once its script is in, which the navigation asks for.
	release := make(chan struct{})
	var once sync.Once
	done := func() { once.Do(func() { close(release) }) }
	t.Cleanup(done)
	var held atomic.Bool
	hold := func(r *http.Request) {
		if r.URL.Path == "/web/app.wasm" && held.CompareAndSwap(false, true) {
			<-release
		}
	}
	s.before.Store(&hold)
	run(t, ctx, "coming back", chromedp.Reload(), chromedp.WaitVisible("#app-wasm-loader", chromedp.ByQuery))
	waitFor(t, ctx, "the new worker taking over while the wasm downloads", `window.goappUpdatedBeforeWasmLoaded === true`)
	done()
	run(t, ctx, "waiting for the update prompt",
		chromedp.WaitNotPresent("#app-wasm-loader", chromedp.ByQuery),
		chromedp.WaitVisible("#update-banner", chromedp.ByQuery),
	)
}

// publishNewWorker changes the worker's bytes in dist, as a new build's
// hash does.
func publishNewWorker(t testing.TB, dist string) {
	t.Helper()
	worker := filepath.Join(dist, "app-worker.js")
	data, err := os.ReadFile(worker)
	if err != nil {
		t.Fatal(err)
	}
	for _, variant := range []string{".br", ".gz"} {
		os.Remove(worker + variant)
	}
	if err := os.WriteFile(worker, append(data, "\n// the next version\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// loseConnection cuts the site off, as a tunnel would, and waits until
// the page knows; the page stays open.
func loseConnection(t testing.TB, ctx context.Context, s *site) {
	t.Helper()
	s.goOffline()
	run(t, ctx, "losing the connection", chromedp.WaitVisible(`#connection[data-state="unreachable"]`, chromedp.ByQuery))
}

// reconnect brings the site back and has the page reconnect now.
func reconnect(t testing.TB, ctx context.Context, s *site) {
	t.Helper()
	s.goOnline()
	run(t, ctx, "reconnecting",
		press("#retry"),
		chromedp.WaitVisible(`#connection[data-state="connected"]`, chromedp.ByQuery),
	)
}

// TestBrowserEditQueuedDuringOutageApplied: an edit made while the open
// page has lost its connection is applied when the connection comes back,
// though nothing else changed meanwhile.
func TestBrowserEditQueuedDuringOutageApplied(t *testing.T) {
	env, s, ctx := openPaired(t, 2*time.Minute)
	loseConnection(t, ctx, s)
	queueEdit(t, ctx, "timer", "604800")
	reconnect(t, ctx, s)
	run(t, ctx, "waiting for the queue to empty",
		chromedp.WaitNotVisible("#queue", chromedp.ByQuery),
		chromedp.WaitVisible(`#form-timer[data-current="604800"]`, chromedp.ByQuery),
	)
	if got := env.Account(t, phone).DefaultDisappearingSeconds; got != 604800 {
		t.Errorf("after reconnecting the emulator's default timer is %d s, want the queued 7 days", got)
	}
}

// TestBrowserRefusedQueuedEditRetried: an edit queued offline that
// WhatsApp refuses on reconnection stays in the queue, marked refused with
// WhatsApp's own words one click away, and changes nothing; once WhatsApp
// accepts again, Try again applies it.
func TestBrowserRefusedQueuedEditRetried(t *testing.T) {
	env, s, ctx := openPaired(t, 2*time.Minute)
	loseConnection(t, ctx, s)
	queueEdit(t, ctx, "timer", "604800")
	// From the read after reconnecting on, which still succeeds, WhatsApp
	// refuses every request about the default timer.
	env.SetFaults(t, emulator.Faults{FailIQ: map[string]int{"disappearing_mode": 401}, FailIQAfter: 1})
	reconnect(t, ctx, s)
	item := `#queue li[data-fields="timer"]`
	run(t, ctx, "waiting for the refusal", chromedp.WaitVisible(item+`[data-state="failed"]`, chromedp.ByQuery))
	if got := textOf(t, ctx, item+" .result-error"); got != "WhatsApp refused this change." {
		t.Errorf("the refused edit says %q", got)
	}
	if got := textOf(t, ctx, item+" .detail"); !strings.Contains(got, "401 not-authorized") {
		t.Errorf("the refused edit's details read %q; they should give WhatsApp's answer", got)
	}
	// Connected, but WhatsApp answers no read: the settings shown are the
	// last known, and the page must not call that offline.
	run(t, ctx, "waiting for the connection", chromedp.WaitVisible(`#connection[data-state="connected"] #offline`, chromedp.ByQuery))
	if got := strings.TrimSpace(textOf(t, ctx, "#offline strong")); got != "Not confirmed yet." {
		t.Errorf("connected with unconfirmed settings, the note says %q; want \"Not confirmed yet.\"", got)
	}
	run(t, ctx, "opening the details", press(item+" summary"))
	shoot(t, ctx, "queue-refused")
	if got := env.Account(t, phone).DefaultDisappearingSeconds; got != 0 {
		t.Fatalf("the refused edit reached the emulator: default timer %d s", got)
	}

	env.SetFaults(t, emulator.Faults{})
	run(t, ctx, "trying again",
		press(item+` button[data-do="retry"]`),
		chromedp.WaitNotVisible("#queue", chromedp.ByQuery),
		chromedp.WaitVisible(`#form-timer[data-current="604800"]`, chromedp.ByQuery),
	)
	if got := env.Account(t, phone).DefaultDisappearingSeconds; got != 604800 {
		t.Errorf("after Try again the emulator's default timer is %d s, want 7 days", got)
	}
}
