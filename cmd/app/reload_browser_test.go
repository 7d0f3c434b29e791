//go:build browser

package main

import (
	"net/http"
	"strings"
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

// glanceWatchJS runs before the page's scripts: it records when the
// last-seen form first appears and what surrounded it then.
const glanceWatchJS = `(() => {
  const observer = new MutationObserver(() => {
    const form = document.querySelector("#form-last");
    if (!form) return;
    observer.disconnect();
    globalThis.firstShown = {
      at: performance.now(),
      disabled: !!form.closest("fieldset[disabled]"),
      note: document.querySelector("#offline")?.textContent ?? "",
      checked: document.querySelector('#form-last input[type="radio"]:checked')?.value ?? "",
    };
  });
  observer.observe(document, {childList: true, subtree: true});
})()`

// TestBrowserReloadShowsTheGlanceBeforeTheDatabaseOpens: a reload shows
// the last-known settings before SQLite is open, not editable and marked
// as not confirmed, then the live ones, editable; once unlinked, nothing
// is kept to show.
func TestBrowserReloadShowsTheGlanceBeforeTheDatabaseOpens(t *testing.T) {
	env, s, ctx := openPaired(t, 2*time.Minute)
	choose(t, ctx, "last", "none")
	// The glance is written a moment after the settings change.
	waitFor(t, ctx, "the glance of the change", `JSON.parse(localStorage.getItem("waprivacy-glance") ?? "null")?.privacy?.Settings?.last === "none"`)
	beforePageScripts(t, ctx, glanceWatchJS)
	var first struct {
		At       float64
		Disabled bool
		Note     string
		Checked  string
	}
	var storageOpen float64
	run(t, ctx, "reloading",
		chromedp.Navigate(s.URL),
		chromedp.WaitVisible(`#connection[data-state="connected"]`, chromedp.ByQuery),
		chromedp.Evaluate(`firstShown`, &first),
		chromedp.Evaluate(`performance.getEntriesByName("waprivacy-core-storage")[0].startTime`, &storageOpen),
	)
	if first.At == 0 || first.At >= storageOpen {
		t.Errorf("the settings first showed at %.0f ms, the database opened at %.0f ms: want them shown first", first.At, storageOpen)
	}
	if !first.Disabled || !strings.Contains(first.Note, "Not confirmed yet.") || first.Checked != "none" {
		t.Errorf("before the database opened the page showed last seen %q, editable %v, with the note %q; want the last-known none, not editable, not confirmed",
			first.Checked, !first.Disabled, first.Note)
	}
	waitFor(t, ctx, "editable live settings", `!document.querySelector("#privacy fieldset[disabled]") &&
		!document.querySelector("#offline") && !document.querySelector("#form-last input").matches(":disabled")`)
	shoot(t, ctx, "reloaded")

	devices := env.Account(t, phone).Devices
	env.Control(t, http.MethodPost, "/control/accounts/"+phone+"/unlink", map[string]string{"jid": devices[0]}, http.StatusOK, nil)
	run(t, ctx, "waiting for the logged-out state", chromedp.WaitVisible(`#connection[data-state="logged-out"]`, chromedp.ByQuery))
	var kept bool
	run(t, ctx, "reading localStorage", chromedp.Evaluate(`localStorage.getItem("waprivacy-glance") !== null`, &kept))
	if kept {
		t.Error("the glance is still kept after the phone unlinked the account")
	}
}
