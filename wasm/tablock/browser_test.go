//go:build browser && !js

package tablock

import (
	"os"
	"os/exec"
	"testing"
)

// TestBrowserWebLocks runs this package's tests with navigator.locks
// in headless Chromium.
func TestBrowserWebLocks(t *testing.T) {
	wasmExec := os.Getenv("WAPRIVACY_WASM_EXEC")
	if wasmExec == "" {
		t.Fatal("WAPRIVACY_WASM_EXEC is not set: run `make test`, which builds bin/wasmbrowsertest")
	}
	cmd := exec.CommandContext(t.Context(), "go", "test", "-count=1", "-exec", wasmExec, ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	t.Logf("wasm/tablock in Chromium:\n%s", out)
	if err != nil {
		t.Fatalf("the tab lock's browser tests failed: %v", err)
	}
}
