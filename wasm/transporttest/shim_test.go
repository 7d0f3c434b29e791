//go:build js

package transporttest

import (
	"syscall/js"
	"testing"
	"time"
)

// newSocket calls `new WebSocket(url)` on class.
func newSocket(class js.Value, url any) js.Value { return class.New(url) }

// closeWith calls ws.close(code, reason) and returns the name of the
// exception it threw, or "".
func closeWith(ws js.Value, code int, reason string) (exception string) {
	defer func() {
		if r := recover(); r != nil {
			err, ok := r.(js.Error)
			if !ok {
				panic(r)
			}
			exception = err.Value.Get("name").String()
		}
	}()
	ws.Call("close", code, reason)
	return ""
}

// TestRelaySocketRoutesOnlyWhatsAppURL: the script sends exactly
// whatsmeow's URL, as a string or a URL object, to the relay at the origin
// that served the script, and leaves every other URL alone; its sockets are
// still native WebSockets.
func TestRelaySocketRoutesOnlyWhatsAppURL(t *testing.T) {
	class := js.Global().Get("WebSocket")
	for _, c := range []struct {
		url  any
		want string
	}{
		{whatsAppURL, relayURL},
		{js.Global().Get("URL").New(whatsAppURL), relayURL},
		{"wss://web.whatsapp.com/ws/chat?x=1", "wss://web.whatsapp.com/ws/chat?x=1"},
		{"wss://web.whatsapp.com/ws", "wss://web.whatsapp.com/ws"},
		{"ws://127.0.0.1:2/elsewhere", "ws://127.0.0.1:2/elsewhere"},
	} {
		ws := newSocket(class, c.url)
		got := ws.Get("url").String()
		if !ws.InstanceOf(nativeClass) {
			t.Errorf("new WebSocket(%v) is not a native WebSocket", c.url)
		}
		ws.Call("close")
		if got != c.want {
			t.Errorf("new WebSocket(%v).url = %q, want %q", js.Global().Get("String").Invoke(c.url), got, c.want)
		}
	}
}

// TestBrowserRefusesCloseCodes checks the reason for the script's close:
// Chromium's own WebSocket throws InvalidAccessError for a code other than
// 1000 or 3000–4999 — such as coder/websocket's CloseNow (1001) and error
// path (1011) — and the socket stays open. Through the script the same
// calls close it.
func TestBrowserRefusesCloseCodes(t *testing.T) {
	for _, code := range []int{1001, 1008, 1009, 1011} {
		ws := newSocket(nativeClass, relayURL)
		waitReadyState(t, ws, open, 10*time.Second)
		if got := closeWith(ws, code, ""); got != "InvalidAccessError" {
			t.Errorf("native close(%d) threw %q, want InvalidAccessError", code, got)
		}
		time.Sleep(50 * time.Millisecond)
		if rs := ws.Get("readyState").Int(); rs != open {
			t.Errorf("after native close(%d) readyState = %d, want %d (still open)", code, rs, open)
		}
		ws.Call("close", 1000)

		ws = newSocket(js.Global().Get("WebSocket"), relayURL)
		waitReadyState(t, ws, open, 10*time.Second)
		if got := closeWith(ws, code, "reason kept"); got != "" {
			t.Errorf("close(%d) through relay-socket.js threw %s", code, got)
		}
		waitReadyState(t, ws, closed, 10*time.Second)
	}
	for _, code := range []int{1000, 3000, 4999} {
		ws := newSocket(nativeClass, relayURL)
		waitReadyState(t, ws, open, 10*time.Second)
		if got := closeWith(ws, code, ""); got != "" {
			t.Errorf("native close(%d) threw %s", code, got)
		}
		waitReadyState(t, ws, closed, 10*time.Second)
	}
}

// TestRelaySocketLeavesClosedSocketsAlone: on a socket that is already
// closed, close with a refused code still throws, as the native one does.
// coder/websocket's error handler depends on that (see relay-socket.js):
// it calls Close(1011) inside the error event and would otherwise wait
// there for the close event that cannot come until it returns.
func TestRelaySocketLeavesClosedSocketsAlone(t *testing.T) {
	ws := newSocket(js.Global().Get("WebSocket"), "ws://127.0.0.1:2/")
	waitReadyState(t, ws, closed, 10*time.Second)
	if got := closeWith(ws, 1011, ""); got != "InvalidAccessError" {
		t.Fatalf("close(1011) of a closed socket threw %q, want InvalidAccessError", got)
	}
}

// TestRelaySocketClosesConnectingSocketAfterThrowing: close with a refused
// code on a socket still connecting (coder/websocket's cancelled dial)
// throws as the native one does, so that coder/websocket's Close returns
// at once, and the script closes the socket just after.
func TestRelaySocketClosesConnectingSocketAfterThrowing(t *testing.T) {
	ws := newSocket(js.Global().Get("WebSocket"), relayURL)
	if got := closeWith(ws, 1008, "dial timed out"); got != "InvalidAccessError" {
		t.Fatalf("close(1008) of a connecting socket threw %q, want InvalidAccessError", got)
	}
	waitReadyState(t, ws, closed, 10*time.Second)
}
