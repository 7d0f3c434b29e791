//go:build browser

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"

	"github.com/waprivacy/waprivacy/proxy"
)

// productionSite serves the production build (make build), relaying to
// upstream, with /metrics on its listener for the tests to read.
func productionSite(t testing.TB, upstream string) *site {
	t.Helper()
	return serveSite(t, distDir(t, "WAPRIVACY_DIST"), proxy.Config{Upstream: upstream, MetricsPublic: true})
}

// deadUpstream is an address nothing listens on.
func deadUpstream(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "ws://" + addr + "/ws/chat"
}

// TestBrowserServedLoaderKeepsTheCodeCache pins what our /app.js hands
// instantiateStreaming: fetch's own Response for the wasm, with the
// progress counted on a clone. go-app's loader hands it a
// Response built around a counting stream, which makes Chrome compile the
// 40 MB wasm again on every visit; a go-app upgrade or a generator change
// must not bring that back.
func TestBrowserServedLoaderKeepsTheCodeCache(t *testing.T) {
	s := productionSite(t, deadUpstream(t))

	// The manifest's icons are ours, served by the site.
	var manifest struct {
		Icons []struct{ Src string } `json:"icons"`
	}
	getJSON(t, s.URL+"/manifest.webmanifest", &manifest)
	if len(manifest.Icons) == 0 {
		t.Error("the manifest has no icons")
	}
	for _, icon := range manifest.Icons {
		if !strings.HasPrefix(icon.Src, "/web/") {
			t.Errorf("manifest icon %q is not one of ours", icon.Src)
			continue
		}
		resp, err := http.Get(s.URL + icon.Src)
		if err != nil {
			t.Error(err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("manifest icon %s: %s", icon.Src, resp.Status)
		}
	}

	ctx := newBrowser(t, time.Minute, "en-US")
	beforePageScripts(t, ctx, `(() => {
		const instantiate = WebAssembly.instantiateStreaming;
		WebAssembly.instantiateStreaming = function (source, imports) {
			globalThis.handedToWasm = source instanceof Response ?
				{type: source.type, url: source.url, bodyUsed: source.bodyUsed} : {type: typeof source};
			return instantiate.call(this, source, imports);
		};
		// Every text the loading label shows, from the nodes it replaces.
		globalThis.labels = [];
		new MutationObserver((records) => {
			for (const r of records) {
				if (r.target.id === "app-wasm-loader-label") {
					labels.push(...[...r.removedNodes].map((n) => n.textContent));
					labels.push(r.target.textContent);
				}
			}
		}).observe(document, {childList: true, subtree: true});
	})()`)
	var handed struct {
		Type, URL string
		BodyUsed  bool
	}
	var labels []string
	run(t, ctx, "loading the app",
		chromedp.Navigate(s.URL),
		chromedp.WaitNotPresent("#app-wasm-loader", chromedp.ByQuery),
		chromedp.Evaluate(`({Type: handedToWasm.type, URL: handedToWasm.url, BodyUsed: handedToWasm.bodyUsed})`, &handed),
		chromedp.Evaluate(`labels`, &labels),
	)
	// A constructed Response is of type "default", with no URL.
	if handed.Type != "basic" || handed.URL != s.URL+"/web/app.wasm" || handed.BodyUsed {
		t.Errorf("instantiateStreaming got a %+v, want fetch's own unread Response for %s/web/app.wasm", handed, s.URL)
	}
	if !slices.ContainsFunc(labels, func(l string) bool {
		return strings.HasPrefix(l, "Loading waprivacy… ") && l != "Loading waprivacy… 0%" && l != "Loading waprivacy… 100%"
	}) {
		t.Errorf("the loading label showed %q; want the progress counted on the way", labels)
	}
}

func getJSON(t testing.TB, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
}

func TestBrowserAppStartsAndWhatsmeowDialsThroughRelay(t *testing.T) {
	// The upstream stands in for WhatsApp and keeps the first message it
	// gets, which whatsmeow starts with its connection header.
	firstMessage := make(chan []byte, 1)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
		if err != nil {
			return
		}
		defer c.CloseNow()
		_, msg, err := c.Read(r.Context())
		if err != nil {
			return
		}
		select {
		case firstMessage <- msg:
		default:
		}
		c.Read(r.Context()) // hold the connection until the test ends
	}))
	defer upstream.Close()
	s := productionSite(t, "ws://"+upstream.Listener.Addr().String()+"/ws/chat")

	ctx := newBrowser(t, time.Minute, "en-US")
	run(t, ctx, "loading the app",
		chromedp.Navigate(s.URL),
		chromedp.WaitVisible(`#connect[data-state="connecting"]`, chromedp.ByQuery),
	)
	select {
	case msg := <-firstMessage:
		// "WA", magic 6, dictionary version 3, then the 3-byte length of the
		// Noise ClientHello.
		if !bytes.HasPrefix(msg, []byte("WA\x06\x03")) || len(msg) < 7 {
			t.Fatalf("first message through the relay is %q, want the WA connection header and a frame", msg)
		}
		frameLen := int(msg[4])<<16 | int(msg[5])<<8 | int(msg[6])
		if frameLen != len(msg)-7 {
			t.Errorf("frame length %d, but %d bytes follow: a frame was split or merged", frameLen, len(msg)-7)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("whatsmeow in the page never reached the upstream through the relay")
	}
	shoot(t, ctx, "connect-connecting")
}

func TestBrowserUnreachableRelayOffersRetry(t *testing.T) {
	s := productionSite(t, deadUpstream(t))
	ctx := newBrowser(t, 2*time.Minute, "en-US")
	run(t, ctx, "loading the app", chromedp.Navigate(s.URL))
	// The relay refuses the WebSocket when it cannot reach the upstream, so
	// the page knows at once rather than after whatsmeow's 20 s handshake
	// timeout; the bound leaves room for a loaded machine.
	start := time.Now()
	run(t, ctx, "waiting for the unreachable state",
		chromedp.WaitVisible(`#connect #connection[data-state="unreachable"] #retry`, chromedp.ByQuery),
	)
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the page took %v to show that the relay cannot reach WhatsApp; want it well before whatsmeow's 20 s handshake timeout", took.Round(time.Millisecond))
	}
	if hint := textOf(t, ctx, "#connection .hint"); !strings.Contains(hint, "retrying") {
		t.Errorf("the unreachable state says %q; it should tell the person it retries", hint)
	}
	shoot(t, ctx, "connect-unreachable")
	// Retry now: a new attempt reaches the relay at once, and fails again.
	before := upstreamRefusals(t, s)
	run(t, ctx, "retrying", press("#retry"))
	deadline := time.Now().Add(10 * time.Second)
	for upstreamRefusals(t, s) == before {
		if time.Now().After(deadline) {
			t.Fatal("Retry now did not make a new attempt")
		}
		time.Sleep(20 * time.Millisecond)
	}
	run(t, ctx, "unreachable again", chromedp.WaitVisible(`#connect[data-state="unreachable"] #retry`, chromedp.ByQuery))
}

// upstreamRefusals is how many WebSockets the site's relay has refused
// because it could not reach the upstream, from its /metrics.
func upstreamRefusals(t testing.TB, s *site) float64 {
	t.Helper()
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(body)) {
		if value, ok := strings.CutPrefix(line, `waprivacy_relay_connections_refused_total{reason="upstream_unreachable"} `); ok {
			n, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err != nil {
				t.Fatalf("/metrics: upstream refusals %q: %v", value, err)
			}
			return n
		}
	}
	t.Fatalf("/metrics has no count of upstream refusals:\n%s", body)
	return 0
}
