//go:build browser

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
	"github.com/waprivacy/waprivacy/wasm/chromiumkill"
)

// Before every trial the account has killBefore; the page asks for
// killWhole, seven privacy settings in one RyzeAPI request (seven set IQs).
var (
	killBefore = map[string]string{
		"last": "all", "status": "contacts", "profile": "all", "online": "all",
		"readreceipts": "all", "calladd": "all", "groupadd": "all",
	}
	killWhole = map[string]string{
		"last": "none", "status": "none", "profile": "none", "online": "match_last_seen",
		"readreceipts": "none", "calladd": "known", "groupadd": "contacts",
	}
)

const killUpdateJS = `void waprivacy.request("POST", "/profile/privacy", {
  visibility: {lastSeen: "none", status: "none", profile: "none", online: "match_last_seen"},
  privacy: {readReceipts: "none"},
  permissions: {callAdd: "known", groupAdd: "contacts"},
})`

// killTrial is one crash: either the emulator cuts the connection after
// the cut-th privacy IQ and the browser dies once the account shows those
// changes, or the browser dies killAfter after the request while the IQs,
// slowed by latency, are on the wire.
type killTrial struct {
	cut       int
	killAfter time.Duration
}

func (k killTrial) kind() string {
	if k.cut > 0 {
		return "cut"
	}
	return "wire"
}

// TestBrowserKilledMidUpdateRecoversByItself (issue 12) SIGKILLs
// Chromium, with every process it started, while a seven-field update is
// under way, starts it again on the same profile and opens the app: the
// page must resolve the update by itself, leaving the account as it was
// or wholly updated, never half changed, with no update left open in its
// journal and a database that passes SQLite's integrity check.
func TestBrowserKilledMidUpdateRecoversByItself(t *testing.T) {
	trials := []killTrial{
		// With 150 ms each way, a kill at 0 ms tends to come before the
		// IQs leave, at 100 ms before the emulator handles them, at 200 ms
		// before their answers arrive, at 600 ms after the update ended;
		// on two busy cores any of these may shift, and each is allowed.
		{cut: 1}, {cut: 2}, {killAfter: 0},
		{cut: 3}, {cut: 4}, {killAfter: 100 * time.Millisecond},
		{cut: 5}, {cut: 6}, {killAfter: 200 * time.Millisecond},
		{cut: 2}, {cut: 5}, {killAfter: 600 * time.Millisecond},
	}
	env := emutest.Start(t)
	s := demoSite(t, env)
	profile := t.TempDir()
	b := openAppOn(t, profile, s.URL)
	run(t, b.Ctx, "opening the app", chromedp.WaitVisible("#connect #qr svg", chromedp.ByQuery))
	pair(t, b.Ctx, env, phone)

	outcomes := map[string]int{}
	for i, tr := range trials {
		resetForKill(t, env, b.Ctx)
		faults := emulator.Faults{LatencyMs: 150} // a round trip of 300 ms: IQs stay on the wire
		if tr.cut > 0 {
			faults = emulator.Faults{CutAfterIQ: map[string]int{"privacy": tr.cut}, OfflineAfterCut: true}
		}
		env.SetFaults(t, faults)
		sent := time.Now()
		run(t, b.Ctx, "sending the update", chromedp.Evaluate(killUpdateJS, nil))
		if tr.cut > 0 {
			waitForPartial(t, env, tr.cut)
		} else {
			time.Sleep(tr.killAfter)
		}
		killedAt := time.Since(sent)
		b.Kill(t)
		env.SetFaults(t, emulator.Faults{})

		b = openAppOn(t, profile, s.URL)
		d := recovered(t, b.Ctx)
		outcome := recoveryOutcome(t, b.Ctx, tr)
		now := killFields(env.Account(t, phone).Privacy)
		state := "before"
		if maps.Equal(now, killWhole) {
			state = "whole"
		}
		t.Logf("trial %2d: %s cut=%d killed %v after sending; outcome %s, account %s, integrity %s, %d updates open",
			i+1, tr.kind(), tr.cut, killedAt.Round(time.Millisecond), outcome, state, d.Integrity, d.OpenUpdates)
		switch {
		case !maps.Equal(now, killBefore) && !maps.Equal(now, killWhole):
			t.Fatalf("trial %d: after recovery the account is half changed: %v", i+1, now)
		case tr.cut > 0 && (state != "before" || outcome != "undone"):
			t.Fatalf("trial %d: a cut after %d of 7 fields ended %s with the account %s, want it undone", i+1, tr.cut, outcome, state)
		case (outcome == "applied") != (state == "whole") && outcome != "none":
			t.Fatalf("trial %d: the page says %s, but the account is %s", i+1, outcome, state)
		}
		outcomes[tr.kind()+" "+outcome+", account "+state]++
	}
	b.Kill(t)
	t.Logf("%d trials by kind and outcome: %v", len(trials), outcomes)
}

// openAppOn starts Chromium on profile, as a person reopening the
// browser would, and opens the app.
func openAppOn(t testing.TB, profile, url string) *chromiumkill.Browser {
	t.Helper()
	b := chromiumkill.Launch(t, profile)
	setUpTab(t, b.Ctx, "en-US")
	run(t, b.Ctx, "opening the app", chromedp.Navigate(url))
	return b
}

func killFields(p map[string]string) map[string]string {
	out := map[string]string{}
	for f := range killBefore {
		out[f] = p[f]
	}
	return out
}

// resetForKill puts the account back to killBefore, as the phone would,
// and waits until the page shows it and has done reading.
func resetForKill(t testing.TB, env *emutest.Env, ctx context.Context) {
	t.Helper()
	env.SetFaults(t, emulator.Faults{})
	env.Control(t, http.MethodPost, "/control/accounts/"+phone+"/privacy", killBefore, http.StatusOK, nil)
	want, _ := json.Marshal(killBefore)
	waitFor(t, ctx, "the page to show the settings before the update", fmt.Sprintf(
		`Object.entries(%s).every(([f, v]) => document.querySelector("#form-" + f)?.dataset.current === v)`, want))
	// The push makes the page read the account again, in several IQs;
	// one counted by the cut would move it.
	time.Sleep(500 * time.Millisecond)
}

// waitForPartial waits until the emulator's account holds the first n of
// the seven changes and none of the rest: the cut has fallen.
func waitForPartial(t testing.TB, env *emutest.Env, n int) {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		now := killFields(env.Account(t, phone).Privacy)
		var changed []string
		for f, v := range now {
			switch v {
			case killWhole[f]:
				changed = append(changed, f)
			case killBefore[f]:
			default:
				t.Fatalf("the account's %s is %q, neither before nor after the update", f, v)
			}
		}
		if len(changed) == n {
			return
		}
		if len(changed) > n || time.Now().After(deadline) {
			slices.Sort(changed)
			t.Fatalf("waiting for a cut after %d fields, the account has %d changed: %v", n, len(changed), changed)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// diagnostics is what waprivacyDiagnostics() resolves with
// (diagnostics_waemu_js.go).
type diagnostics struct {
	Integrity   string `json:"integrity"`
	OpenUpdates int    `json:"openUpdates"`
	Error       string `json:"error"`
}

// recovered waits until the reopened page is connected and its journal
// holds no open update, and returns its database's diagnostics.
func recovered(t testing.TB, ctx context.Context) (d diagnostics) {
	t.Helper()
	run(t, ctx, "waiting to connect again", chromedp.WaitVisible(`#connection[data-state="connected"]`, chromedp.ByQuery))
	awaitPromise := func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }
	deadline := time.Now().Add(stepTimeout)
	for {
		run(t, ctx, "reading the diagnostics", chromedp.Evaluate(`waprivacyDiagnostics()`, &d, awaitPromise))
		if d.Error == "" && d.Integrity != "ok" {
			t.Fatalf("integrity_check after the kill: %s", d.Integrity)
		}
		if d.Error == "" && d.OpenUpdates == 0 {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page did not resolve the update: %+v", d)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// recoveryOutcome is how the page says the update ended: the recovery
// notice's result, or "none" where there is no notice because the page
// died before it journaled the update (the account must then be as it
// was) or after it finished. A cut update must have a notice, and an undo
// must be the history's newest entry.
func recoveryOutcome(t testing.TB, ctx context.Context, tr killTrial) string {
	t.Helper()
	const notice = `#notice[data-kind="recovery"]`
	wait := chromedp.WaitVisible(notice, chromedp.ByQuery)
	if tr.cut > 0 {
		run(t, ctx, "waiting for the recovery notice", wait)
	} else {
		// The notice follows the record's closing at once; a short wait
		// tells that it is not coming.
		short, cancel := context.WithTimeout(ctx, 3*time.Second)
		err := chromedp.Run(short, wait)
		cancel()
		if err != nil {
			return "none"
		}
	}
	result := attr(t, ctx, notice, "data-result")
	if result == "undone" && tr.cut == 1 {
		shoot(t, ctx, "recovery-notice")
	}
	if result == "undone" {
		run(t, ctx, "opening the history", press(`nav a[href="/history"]`), chromedp.WaitVisible("#history", chromedp.ByQuery))
		waitFor(t, ctx, "the undo in the history",
			`document.querySelector("#history ol.history > li")?.dataset.source === "recovery"`)
		run(t, ctx, "back to the settings", press(`nav a[href="/"]`), chromedp.WaitVisible("#form-last", chromedp.ByQuery))
	}
	return result
}

func attr(t testing.TB, ctx context.Context, sel, name string) string {
	t.Helper()
	var v string
	var ok bool
	run(t, ctx, "reading "+sel+" "+name, chromedp.AttributeValue(sel, name, &v, &ok, chromedp.ByQuery))
	if !ok {
		t.Fatalf("%s has no %s attribute", sel, name)
	}
	return v
}
