//go:build browser && !js

package idbvfs

import (
	"os"
	"os/exec"
	"testing"
)

// TestBrowserVFSOnIndexedDB runs this package's tests, the IndexedDB ones
// included, in headless Chromium.
func TestBrowserVFSOnIndexedDB(t *testing.T) {
	wasmExec := os.Getenv("WAPRIVACY_WASM_EXEC")
	if wasmExec == "" {
		t.Fatal("WAPRIVACY_WASM_EXEC is not set: run `make test`, which builds bin/wasmbrowsertest")
	}
	cmd := exec.CommandContext(t.Context(), "go", "test", "-count=1", "-exec", wasmExec, ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	t.Logf("wasm/idbvfs in Chromium:\n%s", out)
	if err != nil {
		t.Fatalf("the VFS's browser tests failed: %v", err)
	}
}
