//go:build js

package transporttest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall/js"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// whatsAppURL is what whatsmeow dials (socket.URL).
const whatsAppURL = "wss://web.whatsapp.com/ws/chat"

// Set by TestMain from the environment.
var (
	proxyURL    string // the proxy that serves relay-socket.js, e.g. http://127.0.0.1:1234
	relayURL    string // its relay, where the script must send whatsAppURL
	deadRelay   string // a relay whose upstream is down: it refuses every handshake
	nativeClass js.Value
)

func TestMain(m *testing.M) {
	if err := setup(); err != nil {
		fmt.Fprintln(os.Stderr, "transporttest:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func setup() error {
	proxyURL = os.Getenv("TRANSPORTTEST_PROXY")
	deadRelay = os.Getenv("TRANSPORTTEST_DEAD_RELAY")
	if proxyURL == "" || deadRelay == "" {
		return errors.New("TRANSPORTTEST_PROXY and TRANSPORTTEST_DEAD_RELAY are not set: " +
			"run these tests with `go test -tags browser -run TestBrowserTransport ./proxy` (make test-browser does)")
	}
	relayURL = "ws" + proxyURL[len("http"):] + "/ws"
	nativeClass = js.Global().Get("WebSocket")
	if err := loadScript(proxyURL + "/web/relay-socket.js"); err != nil {
		return err
	}
	if js.Global().Get("WebSocket").Equal(nativeClass) {
		return errors.New("relay-socket.js loaded but left globalThis.WebSocket alone")
	}
	installSpy()
	return nil
}

// loadScript adds a classic script element for src to the page's head, as
// the app's page has one, and waits until it has run.
func loadScript(src string) error {
	doc := js.Global().Get("document")
	script := doc.Call("createElement", "script")
	done := make(chan error, 1)
	onLoad := js.FuncOf(func(js.Value, []js.Value) any { done <- nil; return nil })
	onError := js.FuncOf(func(js.Value, []js.Value) any { done <- fmt.Errorf("loading %s failed", src); return nil })
	defer onLoad.Release()
	defer onError.Release()
	script.Call("addEventListener", "load", onLoad)
	script.Call("addEventListener", "error", onError)
	script.Set("src", src)
	doc.Get("head").Call("appendChild", script)
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		return fmt.Errorf("loading %s timed out", src)
	}
}

// installSpy puts a subclass of the script's WebSocket class on top of it
// that only records each socket made, and the code and reason of its close
// event, so tests can look at the browser socket behind a websocket.Conn.
func installSpy() {
	js.Global().Get("Function").New(`
		const Relay = globalThis.WebSocket;
		globalThis.transporttestSockets = [];
		globalThis.WebSocket = class extends Relay {
			constructor(...args) {
				super(...args);
				globalThis.transporttestSockets.push(this);
				this.addEventListener("close", (e) => { this.closeEvent = { code: e.code, reason: e.reason }; });
			}
		};`).Invoke()
}

// socketsMade is how many browser sockets the page has made so far.
func socketsMade() int { return js.Global().Get("transporttestSockets").Length() }

// socket returns the i-th browser socket the page made.
func socket(i int) js.Value { return js.Global().Get("transporttestSockets").Index(i) }

const (
	connecting = 0
	open       = 1
	closing    = 2
	closed     = 3
)

// waitReadyState polls until ws reaches state, or fails t after d.
func waitReadyState(t *testing.T, ws js.Value, state int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for ws.Get("readyState").Int() != state {
		if time.Now().After(deadline) {
			t.Fatalf("readyState = %d after %v, want %d", ws.Get("readyState").Int(), d, state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// dialWhatsApp dials whatsmeow's URL as whatsmeow does (no options, read
// limit 16 MiB) and returns the conn and its browser socket.
func dialWhatsApp(t *testing.T) (*websocket.Conn, js.Value) {
	t.Helper()
	n := socketsMade()
	c, resp, err := websocket.Dial(testContext(t), whatsAppURL, &websocket.DialOptions{})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	if resp == nil || resp.StatusCode != 101 {
		t.Fatalf("Dial response = %+v, want 101", resp)
	}
	c.SetReadLimit(1 << 24) // whatsmeow's socket.FrameMaxSize
	t.Cleanup(func() { c.CloseNow() })
	if socketsMade() != n+1 {
		t.Fatalf("Dial made %d browser sockets, want 1", socketsMade()-n)
	}
	return c, socket(n)
}
