//go:build js

package websocket

import (
	"context"
	"os"
	"syscall/js"
	"testing"
	"time"
)

// echoURL returns the echo endpoint the tests talk to. Its contract: every
// message comes back unchanged as one message of the same type, and the
// text message "close <code> <reason>" makes it close with that code and
// reason.
func echoURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("WSJS_ECHO_URL")
	if u == "" {
		t.Fatal("WSJS_ECHO_URL is not set: these tests need a ws:// echo endpoint. " +
			"Run them with `make test`, or start an echo server and run " +
			"`cd wasm/wsjs && WSJS_ECHO_URL=ws://127.0.0.1:PORT/echo GOOS=js GOARCH=wasm " +
			"go test -exec ../../bin/wasmbrowsertest -v .`")
	}
	return u
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// dialEcho dials the echo endpoint and closes the connection after the test.
func dialEcho(t *testing.T) *Conn {
	t.Helper()
	c, resp, err := Dial(testContext(t), echoURL(t), nil)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	if resp == nil || resp.StatusCode != 101 {
		t.Fatalf("Dial response = %+v, want 101", resp)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func readyState(c *Conn) int { return c.ws.Get("readyState").Int() }

// waitReadyState polls until the browser socket reaches state or d passes.
func waitReadyState(t *testing.T, c *Conn, state int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for readyState(c) != state {
		if time.Now().After(deadline) {
			t.Fatalf("readyState = %d after %v, want %d", readyState(c), d, state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// setRelayGlobal sets globalThis.waprivacyRelayURL for the test.
func setRelayGlobal(t *testing.T, v any) {
	t.Helper()
	js.Global().Set(relayGlobal, v)
	t.Cleanup(func() { js.Global().Delete(relayGlobal) })
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
