//go:build browser

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
	"github.com/waprivacy/waprivacy/proxy"
)

// hostPage serves a third-party page, on an origin of its own, that embeds
// the app at appURL with the one-script-tag widget.
func hostPage(t *testing.T, appURL, attrs string) *httptest.Server {
	t.Helper()
	page := fmt.Sprintf(`<!doctype html><title>host</title><h1>A shop</h1>
<script src="%s/widget.js" data-origin="%s" %s></script>`, appURL, appURL, attrs)
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(page))
	}))
	t.Cleanup(host.Close)
	return host
}

// embeddableSite serves the waemu-tagged site, relaying to the emulator,
// and lets pages on ancestor embed it.
func embeddableSite(t *testing.T, env *emutest.Env, ancestor string) *site {
	t.Helper()
	return serveSite(t, distDir(t, "WAPRIVACY_DEMO_DIST"), proxy.Config{
		Upstream:       "ws://" + env.Addr() + "/ws/chat",
		UpstreamOrigin: env.HTTP.URL,
		FrameAncestors: []string{ancestor},
	})
}

// eval runs a JavaScript expression in the host page, awaiting a promise,
// and decodes its JSON-able result into out.
func eval(t *testing.T, ctx context.Context, what, expr string, out any) {
	t.Helper()
	var raw json.RawMessage
	run(t, ctx, what, chromedp.Evaluate(expr, &raw, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("%s: %v in %s", what, err, raw)
	}
}

// widgetAnswer is what waprivacy.request resolves with.
type widgetAnswer struct {
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body"`
}

func TestBrowserWidgetPairsAndSpeaksZAPIAndRyzeAPI(t *testing.T) {
	env := emutest.Start(t)
	// The host page's origin must be known before the app is configured
	// to allow it.
	mux := http.NewServeMux()
	host := httptest.NewServer(mux)
	t.Cleanup(host.Close)
	app := embeddableSite(t, env, host.URL)
	page := fmt.Sprintf(`<!doctype html><title>host</title><h1>A shop</h1>
<script src="%s/widget.js" data-origin="%s"></script>`, app.URL, app.URL)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(page))
	})

	ctx := newBrowser(t, 4*time.Minute, "en")
	run(t, ctx, "opening the host page", chromedp.Navigate(host.URL))
	var ready struct{ State string }
	eval(t, ctx, "waiting for the widget", `waprivacy.ready`, &ready)

	// Pair through the widget: the QR code reaches the host page in a
	// connection event, and the phone scans it.
	var qr string
	run(t, ctx, "waiting for a QR code", chromedp.Poll(`waprivacy.status().qrCode || false`, &qr, chromedp.WithPollingTimeout(stepTimeout)))
	const phone = "5511988887777"
	env.Control(t, http.MethodPost, "/control/scan", map[string]string{"qr": qr, "phone": phone}, http.StatusOK, nil)
	var connected bool
	run(t, ctx, "waiting for the link", chromedp.Poll(`waprivacy.status().state === "connected"`, &connected, chromedp.WithPollingTimeout(stepTimeout)))
	shoot(t, ctx, "widget-connected")

	// Every documented example, in order, through the host page's API.
	for _, tc := range []struct{ method, path, body, want string }{
		{"POST", "/privacy/last-seen", `{"visualizationType":"CONTACT_BLACKLIST","contactsBlacklist":[{"action":"add","phone":"554411111111"}]}`, `{"success":true}`},
		{"POST", "/privacy/photo", `{"visualizationType":"CONTACTS"}`, `{"success":true}`},
		{"POST", "/privacy/description", `{"visualizationType":"NONE"}`, `{"success":true}`},
		{"POST", "/privacy/group-add", `{"type":"CONTACTS"}`, `{"success":true}`},
		{"POST", "/privacy/online", `{"visualizationType":"SAME_LAST_SEEN"}`, `{"success":true}`},
		{"POST", "/privacy/read-receipts?value=disable", `undefined`, `{"success":true}`},
		{"POST", "/privacy/messages-duration?value=days7", `undefined`, `{"success":true}`},
		{"POST", "/contacts/modify-blocked", `{"phone":"5544999999999","action":"block"}`, `{"value":true}`},
		{"GET", "/privacy/disallowed-contacts?type=lastSeen", `undefined`, `{"disallowedContacts":["554411111111"]}`},
		{"POST", "/profile/privacy", `{"permissions":{"callAdd":"known"}}`,
			`{"success":true,"message":"Privacy settings updated successfully","settings":{"permissions":{"callAdd":"known","groupAdd":"contacts"},"privacy":{"readReceipts":"none"},"visibility":{"lastSeen":"contact_blacklist","online":"match_last_seen","profile":"contacts","status":"none"}}}`},
	} {
		var got widgetAnswer
		eval(t, ctx, tc.method+" "+tc.path, fmt.Sprintf(`waprivacy.request(%q, %q, %s)`, tc.method, tc.path, tc.body), &got)
		if got.Status != 200 || string(got.Body) != tc.want {
			t.Errorf("%s %s: %d %s\nwant 200 %s", tc.method, tc.path, got.Status, got.Body, tc.want)
		}
	}
	acc := env.Account(t, phone)
	for c, want := range map[string]string{"last": "contact_blacklist", "profile": "contacts", "status": "none",
		"groupadd": "contacts", "online": "match_last_seen", "readreceipts": "none", "calladd": "known"} {
		if acc.Privacy[c] != want {
			t.Errorf("emulator %s = %s, want %s", c, acc.Privacy[c], want)
		}
	}
	if acc.DefaultDisappearingSeconds != 604800 || !slices.Equal(acc.Blocklist, []string{"5544999999999"}) {
		t.Errorf("emulator timer %d, blocklist %v", acc.DefaultDisappearingSeconds, acc.Blocklist)
	}

	// Malformed requests get their errors.
	for _, tc := range []struct {
		method, path, body string
		status             int
		message            string
	}{
		{"GET", "/privacy/everything", `undefined`, 404, "Unknown path: /privacy/everything"},
		{"GET", "/privacy/photo", `undefined`, 405, "Method GET is not allowed for /privacy/photo; use POST"},
		{"POST", "/privacy/photo", `"{broken"`, 400, "Invalid request body: invalid character 'b' looking for beginning of object key string"},
		{"POST", "/privacy/photo", `{"visualizationType":"SOMETIMES"}`, 400, "Invalid visualizationType value: SOMETIMES. Valid values: ALL, CONTACTS, CONTACT_BLACKLIST, NONE"},
		{"POST", "/privacy/group-add", `{}`, 400, "type is required. Valid values: ALL, CONTACTS, CONTACT_BLACKLIST"},
	} {
		var got widgetAnswer
		eval(t, ctx, "malformed "+tc.path, fmt.Sprintf(`waprivacy.request(%q, %q, %s)`, tc.method, tc.path, tc.body), &got)
		if got.Status != tc.status || !strings.Contains(string(got.Body), tc.message) {
			t.Errorf("%s %s %s: %d %s\nwant %d %q", tc.method, tc.path, tc.body, got.Status, got.Body, tc.status, tc.message)
		}
	}

	// 100 concurrent requests, each with its own answer.
	var answers []widgetAnswer
	eval(t, ctx, "100 concurrent requests", `Promise.all(Array.from({length: 100}, (_, i) =>
		waprivacy.request("POST", "/privacy/messages-duration?value=v" + i)))`, &answers)
	if len(answers) != 100 {
		t.Fatalf("%d answers", len(answers))
	}
	for i, a := range answers {
		if want := fmt.Sprintf("Invalid value value: v%d.", i); a.Status != 400 || !strings.Contains(string(a.Body), want) {
			t.Errorf("answer %d: %d %s", i, a.Status, a.Body)
		}
	}

	// A change on the phone reaches the host page as an event.
	eval(t, ctx, "listening", `(window.seen = [], waprivacy.on("privacy", (e) => seen.push(e)), true)`, new(bool))
	env.Control(t, http.MethodPost, "/control/accounts/"+phone+"/privacy", map[string]string{"profile": "none"}, http.StatusOK, nil)
	var live bool
	run(t, ctx, "waiting for the phone's change", chromedp.Poll(
		`seen.some((e) => e.source === "phone" && e.settings.visibility.profile === "none")`, &live, chromedp.WithPollingTimeout(stepTimeout)))
}

func TestBrowserWidgetRefusesAHostThatIsNotAllowed(t *testing.T) {
	env := emutest.Start(t)
	app := embeddableSite(t, env, "https://shop.example")
	host := hostPage(t, app.URL, `data-timeout="1500"`)
	ctx := newBrowser(t, 2*time.Minute, "en")
	run(t, ctx, "opening the host page", chromedp.Navigate(host.URL))
	var outcome string
	eval(t, ctx, "waiting for the widget", `Promise.race([
		waprivacy.ready.then(() => "ready", (e) => "refused"),
		new Promise((r) => setTimeout(() => r("never ready"), 4000))])`, &outcome)
	if outcome == "ready" {
		t.Fatal("a page on an origin that may not embed the app got a working widget")
	}
	var request string
	eval(t, ctx, "a request", `waprivacy.request("GET", "/profile/privacy").then(() => "answered", (e) => String(e))`, &request)
	if request == "answered" {
		t.Error("a page that may not embed the app got an answer")
	}
}
