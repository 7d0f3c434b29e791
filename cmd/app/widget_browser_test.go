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

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
	"github.com/waprivacy/waprivacy/proxy"
)

// hostPage serves a third-party page, on an origin of its own, that embeds
// the app at appURL with the one-script-tag widget.
func hostPage(t testing.TB, appURL, attrs string) *httptest.Server {
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
func embeddableSite(t testing.TB, env *emutest.Env, ancestor string) *site {
	t.Helper()
	return serveSite(t, distDir(t, "WAPRIVACY_DEMO_DIST"), proxy.Config{
		Upstream:       "ws://" + env.Addr() + "/ws/chat",
		UpstreamOrigin: env.HTTP.URL,
		FrameAncestors: []string{ancestor},
	})
}

// eval runs a JavaScript expression in the host page, awaiting a promise,
// and decodes its JSON-able result into out.
func eval(t testing.TB, ctx context.Context, what, expr string, out any) {
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

// widgetFrame is the widget's iframe, for acting inside it as the person
// would. The host and the app are on one site (127.0.0.1, two ports), so
// the frame shares the page's process and chromedp reaches into it.
func widgetFrame(t testing.TB, ctx context.Context) *cdp.Node {
	t.Helper()
	var nodes []*cdp.Node
	run(t, ctx, "finding the widget's frame", chromedp.Nodes("iframe", &nodes, chromedp.ByQuery))
	return nodes[0]
}

// pressIn operates a button inside frame from the keyboard.
func pressIn(frame *cdp.Node, sel string) chromedp.Tasks {
	return chromedp.Tasks{chromedp.Focus(sel, chromedp.ByQuery, chromedp.FromNode(frame)), chromedp.KeyEvent("\r")}
}

// readQRInFrame photographs the widget, QR code and all, as a phone's
// camera would: the host page cannot read the code, so the test reads it
// as the person sees it.
func readQRInFrame(t testing.TB, ctx context.Context, frame *cdp.Node) string {
	t.Helper()
	run(t, ctx, "waiting for the QR code in the widget", chromedp.WaitVisible("#qr svg", chromedp.ByQuery, chromedp.FromNode(frame)))
	deadline := time.Now().Add(10 * time.Second)
	for {
		var png []byte
		run(t, ctx, "photographing the widget", chromedp.Screenshot("iframe", &png, chromedp.ByQuery))
		text, err := decodeQR(png)
		if err == nil {
			return text
		}
		if time.Now().After(deadline) {
			t.Fatalf("the QR code in the widget does not decode: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// refusedEverything sends one read and one change and expects both
// refused with code.
func refusedEverything(t testing.TB, ctx context.Context, when, code string) {
	t.Helper()
	for _, r := range [][2]string{{"GET", "/profile/privacy"}, {"GET", "/privacy/disallowed-contacts?type=lastSeen"},
		{"POST", "/privacy/photo"}, {"POST", "/contacts/modify-blocked"}} {
		var got widgetAnswer
		eval(t, ctx, when+": "+r[0]+" "+r[1], fmt.Sprintf(`waprivacy.request(%q, %q, {})`, r[0], r[1]), &got)
		if got.Status != 403 || !strings.Contains(string(got.Body), `"code":"`+code+`"`) {
			t.Errorf("%s: %s %s answered %d %s, want 403 %s", when, r[0], r[1], got.Status, got.Body, code)
		}
	}
}

func TestBrowserWidgetAsksConsentThenSpeaksZAPIAndRyzeAPI(t *testing.T) {
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

	ctx := newBrowser(t, 5*time.Minute, "en")
	run(t, ctx, "opening the host page", chromedp.Navigate(host.URL))
	eval(t, ctx, "hearing everything the widget posts", `(window.heard = [],
		addEventListener("message", (e) => heard.push(JSON.stringify(e.data))), true)`, new(bool))
	var ready jsapiStatus
	eval(t, ctx, "waiting for the widget", `waprivacy.ready`, &ready)
	if ready.State != "consent-needed" || ready.Account != "" {
		t.Errorf("before consent the host is told %+v", ready)
	}
	refusedEverything(t, ctx, "while linking", "consent-needed")

	// The person links inside the widget; the host sees neither the
	// code nor the account.
	frame := widgetFrame(t, ctx)
	qr := readQRInFrame(t, ctx, frame)
	const phone = "5511988887777"
	env.Control(t, http.MethodPost, "/control/scan", map[string]string{"qr": qr, "phone": phone}, http.StatusOK, nil)
	run(t, ctx, "waiting for the consent card", chromedp.WaitVisible(`#consent[data-access="undecided"]`, chromedp.ByQuery, chromedp.FromNode(frame)))
	shoot(t, ctx, "widget-consent")
	refusedEverything(t, ctx, "linked, before consent", "consent-needed")
	var leaks []string
	eval(t, ctx, "what the host heard", fmt.Sprintf(`heard.filter((m) => m.includes(%q) || m.includes(%q) || m.includes("qrCode"))`,
		qr[:20], phone), &leaks)
	var heard int
	eval(t, ctx, "how much the host heard", `heard.length`, &heard)
	if heard == 0 || len(leaks) > 0 {
		t.Errorf("before consent the host heard %d messages, these with secrets: %v", heard, leaks)
	}
	if got := env.Account(t, phone).Privacy["profile"]; got != "all" {
		t.Fatalf("the emulator starts with profile %q", got)
	}

	// Read only: reads work, changes are refused and change nothing.
	run(t, ctx, "allowing reading only", pressIn(frame, "#consent-read"))
	waitFor(t, ctx, "read access", `waprivacy.status().access === "read" && waprivacy.status().state === "connected"`)
	var read widgetAnswer
	eval(t, ctx, "a read", `waprivacy.request("GET", "/profile/privacy")`, &read)
	if read.Status != 200 || !strings.Contains(string(read.Body), `"profile":"all"`) {
		t.Errorf("a read with read access: %d %s", read.Status, read.Body)
	}
	var change widgetAnswer
	eval(t, ctx, "a change", `waprivacy.request("POST", "/privacy/photo", {visualizationType: "NONE"})`, &change)
	if change.Status != 403 || !strings.Contains(string(change.Body), `"code":"read-only"`) {
		t.Errorf("a change with read access: %d %s", change.Status, change.Body)
	}
	if got := env.Account(t, phone).Privacy["profile"]; got != "all" {
		t.Errorf("a refused change reached WhatsApp: profile %q", got)
	}

	// Changing the answer: withdrawn first, then read and change.
	run(t, ctx, "changing the answer", pressIn(frame, "#consent-withdraw"))
	waitFor(t, ctx, "the withdrawal", `waprivacy.status().state === "consent-needed"`)
	run(t, ctx, "allowing reading and changing", pressIn(frame, "#consent-change"))
	waitFor(t, ctx, "change access", `waprivacy.status().access === "change"`)
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

	// The answer outlives a reload.
	run(t, ctx, "reloading the host page", chromedp.Navigate(host.URL))
	eval(t, ctx, "waiting for the widget again", `waprivacy.ready`, &ready)
	if ready.Access != "change" || ready.Account != phone {
		t.Errorf("after a reload the host is told %+v", ready)
	}

	// The app's own page shares the widget's storage here (one site),
	// and lists the site under the account; revoking it there leaves
	// the host with nothing again.
	run(t, ctx, "opening the accounts screen", chromedp.Navigate(app.URL+"/accounts"),
		chromedp.WaitVisible(fmt.Sprintf(`#sites li[data-origin=%q][data-access="change"]`, host.URL), chromedp.ByQuery))
	shoot(t, ctx, "accounts-sites")
	run(t, ctx, "revoking", press(`#sites li button[data-do="withdraw"]`), chromedp.WaitVisible("#sites-none", chromedp.ByQuery))
	run(t, ctx, "back to the host page", chromedp.Navigate(host.URL))
	eval(t, ctx, "waiting for the widget after the revocation", `waprivacy.ready`, &ready)
	if ready.State != "consent-needed" {
		t.Errorf("after revoking, the host is told %+v", ready)
	}
	refusedEverything(t, ctx, "after revoking", "consent-needed")
}

// jsapiStatus is what waprivacy.status() and ready give the host.
type jsapiStatus struct {
	State, Account, Access, QRCode string
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
