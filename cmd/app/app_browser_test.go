//go:build browser

package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"
	"github.com/waprivacy/waprivacy/proxy"
)

// serveApp serves the built site (make build) through the real proxy,
// relaying to upstream.
func serveApp(t *testing.T, upstream string) string {
	t.Helper()
	dist := os.Getenv("WAPRIVACY_DIST")
	if dist == "" {
		t.Fatal("WAPRIVACY_DIST is not set: run `make test`, which builds the site first")
	}
	srv, err := proxy.New(proxy.Config{Dist: dist, Upstream: upstream}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Shutdown(context.Background()) })
	return ts.URL
}

// newBrowser starts headless Chromium and forwards the page's console to
// the test log.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	// A phone-sized screen: the layouts must work from 360 px up.
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*runtime.EventConsoleAPICalled); ok {
			for _, arg := range e.Args {
				t.Logf("console.%s: %s", e.Type, arg.Value)
			}
		}
	})
	return ctx
}

// screenshot saves the page for people to look at, when
// WAPRIVACY_SCREENSHOTS names a directory.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("WAPRIVACY_SCREENSHOTS")
	if dir == "" {
		return
	}
	var png []byte
	// Wait for images to decode, so the picture shows what a person sees.
	waitImages := chromedp.Evaluate(`Promise.all([...document.images].map((i) => i.decode().catch(() => {})))`, nil,
		func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) })
	if err := chromedp.Run(ctx, waitImages, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Error(err)
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
	url := serveApp(t, "ws://"+upstream.Listener.Addr().String()+"/ws/chat")

	ctx := newBrowser(t)
	var heading string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(url),
		// go-app removes its loader once the wasm has rendered.
		chromedp.WaitNotPresent("#app-wasm-loader", chromedp.ByQuery),
		chromedp.Text("#connection h2", &heading, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if heading == "" {
		t.Error("the connection status has no heading")
	}
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
	screenshot(t, ctx, "home-connecting")
}

func TestBrowserAppReportsUnreachableUpstream(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	url := serveApp(t, "ws://"+dead+"/ws/chat")

	ctx := newBrowser(t)
	var hint string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(`#connection[data-state="unreachable"]`, chromedp.ByQuery),
		chromedp.Text("#connection .hint", &hint, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains([]byte(hint), []byte("retrying")) {
		t.Errorf("the unreachable state says %q; it should tell the person it retries", hint)
	}
	screenshot(t, ctx, "home-unreachable")
}
