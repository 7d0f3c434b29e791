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
// last-known settings first appear and what surrounded them then.
const glanceWatchJS = `(() => {
  const observer = new MutationObserver(() => {
    const shown = document.querySelector("#glance-last, #form-last");
    if (!shown) return;
    observer.disconnect();
    globalThis.firstShown = {
      at: performance.now(),
      lastSeen: document.querySelector("#glance-last")?.textContent ?? "",
      forms: document.querySelectorAll("#content form").length,
      note: document.querySelector("#offline")?.textContent ?? "",
    };
  });
  observer.observe(document, {childList: true, subtree: true});
})()`

// TestBrowserReloadShowsTheGlanceBeforeTheDatabaseOpens: a reload shows
// the last-known settings before SQLite is open, as a list with no form
// and marked as not confirmed, then the live ones in their forms; once
// unlinked, nothing is kept to show.
func TestBrowserReloadShowsTheGlanceBeforeTheDatabaseOpens(t *testing.T) {
	env, s, ctx := openPaired(t, 2*time.Minute)
	choose(t, ctx, "last", "none")
	// The glance is written a moment after the settings change.
	waitFor(t, ctx, "the glance of the change", `JSON.parse(localStorage.getItem("waprivacy-glance") ?? "null")?.privacy?.Settings?.last === "none"`)
	// A database that never opens keeps the glance on screen, to look at.
	unblock := beforePageScripts(t, ctx, `IDBFactory.prototype.open = function () { return {}; };`)
	run(t, ctx, "reloading with IndexedDB stalled", chromedp.Navigate(s.URL), chromedp.WaitVisible("#glance", chromedp.ByQuery))
	shoot(t, ctx, "glance")
	unblock()
	beforePageScripts(t, ctx, glanceWatchJS)
	var first struct {
		At       float64
		LastSeen string
		Forms    int
		Note     string
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
	if first.LastSeen != "Nobody" || first.Forms != 0 || !strings.Contains(first.Note, "Not confirmed yet.") {
		t.Errorf("before the database opened the page showed last seen %q, %d forms, the note %q; want the last-known Nobody, no form, not confirmed",
			first.LastSeen, first.Forms, first.Note)
	}
	waitFor(t, ctx, "the live settings in their forms", `!document.querySelector("#glance") && !document.querySelector("#offline") &&
		document.querySelector("#last-none").checked`)
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
