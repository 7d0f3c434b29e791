//go:build browser

package proxy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBrowserTransportThroughRelay runs the browser WebSocket transport's own
// tests (wasm/wsjs) in headless Chromium, talking to an echo upstream through
// this proxy's relay: frames, close codes, limits and backpressure are
// checked end to end with the real parts.
func TestBrowserTransportThroughRelay(t *testing.T) {
	wasmExec := os.Getenv("WAPRIVACY_WASM_EXEC")
	if wasmExec == "" {
		t.Fatal("WAPRIVACY_WASM_EXEC is not set: run `make test`, which builds bin/wasmbrowsertest")
	}
	up := newEchoUpstream(t)
	// wasmbrowsertest serves its page from a random localhost port.
	ts, _ := newTestProxy(t, Config{
		Upstream:       up.wsURL(),
		AllowedOrigins: []string{"http://localhost:*", "http://127.0.0.1:*"},
	})

	cmd := exec.CommandContext(t.Context(), "go", "test", "-count=1", "-exec", wasmExec, ".")
	cmd.Dir = filepath.Join("..", "wasm", "wsjs")
	cmd.Env = append(os.Environ(),
		"GOOS=js", "GOARCH=wasm",
		"WSJS_ECHO_URL=ws"+strings.TrimPrefix(ts.URL, "http")+"/ws",
	)
	out, err := cmd.CombinedOutput()
	t.Logf("wasm/wsjs in Chromium through the relay:\n%s", out)
	if err != nil {
		t.Fatalf("the transport's browser tests failed: %v", err)
	}
}
