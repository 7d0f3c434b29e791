//go:build browser

package proxy

import (
	"context"
	"io/fs"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waprivacy/waprivacy/web"
)

// TestBrowserTransportThroughRelay runs wasm/transporttest in headless
// Chromium: whatsmeow's transport (the real coder/websocket js build) with
// the real web/relay-socket.js, which this proxy serves, through this
// proxy's relay to an echo upstream. Frames, close codes, limits, dial
// failures and cancellation are checked end to end with the real parts.
func TestBrowserTransportThroughRelay(t *testing.T) {
	wasmExec := os.Getenv("WAPRIVACY_WASM_EXEC")
	if wasmExec == "" {
		t.Fatal("WAPRIVACY_WASM_EXEC is not set: run `make test`, which builds bin/wasmbrowsertest")
	}
	// wasmbrowsertest serves its page from a random localhost port.
	pageOrigins := []string{"http://localhost:*", "http://127.0.0.1:*"}
	up := newEchoUpstream(t)
	ts := newShimProxy(t, Config{Upstream: up.wsURL(), AllowedOrigins: pageOrigins})
	dead := newShimProxy(t, Config{Upstream: "ws://" + closedAddr(t) + "/ws/chat", AllowedOrigins: pageOrigins})

	// A hang in the page shows as the inner test binary's timeout, with its
	// goroutines, rather than as this test's.
	cmd := exec.CommandContext(t.Context(), "go", "test", "-count=1", "-timeout=3m", "-exec", wasmExec, ".")
	cmd.Dir = filepath.Join("..", "wasm", "transporttest")
	cmd.Env = append(os.Environ(),
		"GOOS=js", "GOARCH=wasm",
		"TRANSPORTTEST_PROXY="+ts.URL,
		"TRANSPORTTEST_DEAD_RELAY=ws"+strings.TrimPrefix(dead.URL, "http")+"/ws",
	)
	if testing.Verbose() {
		cmd.Args = append(cmd.Args, "-v")
	}
	out, err := cmd.CombinedOutput()
	t.Logf("wasm/transporttest in Chromium through the relay:\n%s", out)
	if err != nil {
		t.Fatalf("the transport's browser tests failed: %v", err)
	}
}

// newShimProxy starts a proxy with cfg whose site is the app's real
// web/ folder (relay-socket.js and the rest of web/static), plus an
// index.html.
func newShimProxy(t *testing.T, cfg Config) *httptest.Server {
	t.Helper()
	dist := t.TempDir()
	static, err := fs.Sub(web.Static, "static")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(dist, "web"), static); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dist, "index.html"), []byte("<!doctype html><title>transport</title>"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.Dist = dist
	srv, err := New(cfg, discardLog)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	ts.Config = srv.http
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return ts
}

// closedAddr is a local address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
