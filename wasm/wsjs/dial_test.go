//go:build js

package websocket

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestDialWhatsAppURLGoesToRelay dials whatsmeow's fixed URL with the relay
// global pointing at the echo endpoint, twice (whatsmeow redials), and talks
// through it, exactly as whatsmeow's FrameSocket does.
func TestDialWhatsAppURLGoesToRelay(t *testing.T) {
	setRelayGlobal(t, echoURL(t))
	ctx := testContext(t)
	for i := range 2 {
		c, _, err := Dial(ctx, "wss://web.whatsapp.com/ws/chat", &DialOptions{
			HTTPClient: http.DefaultClient,
			HTTPHeader: http.Header{"Origin": {"https://web.whatsapp.com"}},
		})
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		if got := c.ws.Get("url").String(); got != echoURL(t) {
			t.Fatalf("dial %d: browser socket url = %q, want the relay %q", i, got, echoURL(t))
		}
		msg := []byte{'W', 'A', 6, 3, byte(i)}
		if err := c.Write(ctx, MessageBinary, msg); err != nil {
			t.Fatalf("Write: %v", err)
		}
		if typ, got, err := c.Read(ctx); err != nil || typ != MessageBinary || string(got) != string(msg) {
			t.Fatalf("Read = %d %q %v, want %q", typ, got, err, msg)
		}
		if err := c.Close(StatusNormalClosure, ""); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
}

// TestDialWhatsAppURLDefaultsToPageOrigin shows that without the global the
// dial goes to this page's origin at /ws, never to web.whatsapp.com. The
// test server has no WebSocket endpoint there, so the dial fails naming it.
func TestDialWhatsAppURLDefaultsToPageOrigin(t *testing.T) {
	want, err := dialTarget(whatsAppURL)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := Dial(ctx, whatsAppURL, nil)
	if err == nil {
		c.CloseNow()
		t.Fatal("dial to the test page's /ws succeeded; it has no WebSocket endpoint")
	}
	if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "whatsapp.com") {
		t.Fatalf("error %q should name %q and not web.whatsapp.com", err, want)
	}
}

func TestDialClosedPort(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := Dial(ctx, "ws://127.0.0.1:2/", nil)
	if err == nil {
		c.CloseNow()
		t.Fatal("dial to a closed port succeeded")
	}
	if resp != nil || c != nil {
		t.Fatalf("failed dial returned conn %v, response %v", c, resp)
	}
	if ctx.Err() != nil {
		t.Fatalf("dial failed only by timeout: %v", err)
	}
	if got := CloseStatus(err); got != StatusAbnormalClosure {
		t.Fatalf("CloseStatus(%v) = %d, want %d", err, got, StatusAbnormalClosure)
	}
}

func TestDialMalformedURL(t *testing.T) {
	for _, u := range []string{"bad url", "ws://exa mple.org/"} {
		c, resp, err := Dial(testContext(t), u, nil)
		if err == nil {
			c.CloseNow()
			t.Fatalf("Dial(%q) succeeded", u)
		}
		if c != nil || resp != nil {
			t.Fatalf("Dial(%q) returned conn %v, response %v with error", u, c, resp)
		}
		t.Logf("Dial(%q): %v", u, err)
	}
	// These make the WebSocket constructor throw; the exception must come
	// back as an error rather than a panic.
	for _, u := range []string{"ftp://example.org/", "ws://[::1/"} {
		_, _, err := Dial(testContext(t), u, nil)
		if err == nil || CloseStatus(err) != -1 || !strings.Contains(err.Error(), "JavaScript error") {
			t.Fatalf("Dial(%q) = %v, want the constructor's exception as an error", u, err)
		}
	}
}

func TestDialRelayMisconfigured(t *testing.T) {
	setRelayGlobal(t, "not a url")
	if c, _, err := Dial(testContext(t), whatsAppURL, nil); err == nil {
		c.CloseNow()
		t.Fatal("dial to a malformed relay URL succeeded")
	}
}

func TestDialCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if c, _, err := Dial(ctx, echoURL(t), nil); !errors.Is(err, context.Canceled) {
		if c != nil {
			c.CloseNow()
		}
		t.Fatalf("Dial with a cancelled context: err = %v, want context.Canceled", err)
	}

	// Cancelled while connecting: the handshake cannot finish before the
	// browser's event loop runs, and cancel happens before that.
	ctx, cancel = context.WithCancel(context.Background())
	go cancel()
	c, _, err := Dial(ctx, echoURL(t), nil)
	if !errors.Is(err, context.Canceled) {
		if c != nil {
			c.CloseNow()
		}
		t.Fatalf("Dial cancelled while connecting: err = %v, want context.Canceled", err)
	}
}
