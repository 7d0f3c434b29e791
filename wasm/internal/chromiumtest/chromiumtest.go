// Package chromiumtest runs a package's own tests, compiled for js/wasm, in
// headless Chromium through wasmbrowsertest, from a native test (build tag
// browser) that `make test-browser` runs with WAPRIVACY_WASM_EXEC set.
package chromiumtest

import (
	"os"
	"os/exec"
	"testing"
)

// RunPackageTests runs `go test` for js/wasm on the package in the working
// directory (the one under test) in Chromium, logs its output and fails t
// if those tests fail.
func RunPackageTests(t *testing.T) {
	t.Helper()
	wasmExec := os.Getenv("WAPRIVACY_WASM_EXEC")
	if wasmExec == "" {
		t.Fatal("WAPRIVACY_WASM_EXEC is not set: run `make test`, which builds bin/wasmbrowsertest")
	}
	out, err := GoCommand(t, "test", "-count=1", "-exec", wasmExec, ".").CombinedOutput()
	t.Logf("the package's tests in Chromium:\n%s", out)
	if err != nil {
		t.Fatalf("the package's tests failed in Chromium: %v", err)
	}
}

// GoCommand is the go tool with args for js/wasm in the working directory,
// as `make` builds the app.
func GoCommand(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", args...)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	return cmd
}
