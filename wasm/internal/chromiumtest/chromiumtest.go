// Package chromiumtest runs a package's own tests, compiled for js/wasm, in
// headless Chromium through wasmbrowsertest, from a native test (build tag
// browser) that `make test-browser` runs with WAPRIVACY_WASM_EXEC set.
package chromiumtest

import (
	"os"
	"os/exec"
	"path/filepath"
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
// with the wasm build's module file (build/wasm.mod, which swaps in the
// browser WebSocket transport for whatsmeow), as `make` builds the app.
func GoCommand(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	modfile := filepath.Join(moduleRoot(t), "build", "wasm.mod")
	if _, err := os.Stat(modfile); err != nil {
		t.Fatalf("%s is missing: run `make build/wasm.mod` (make test does)", modfile)
	}
	// -modfile is a flag of the subcommand, so it goes after args[0].
	cmd := exec.CommandContext(t.Context(), "go", append([]string{args[0], "-modfile=" + modfile}, args[1:]...)...)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	return cmd
}

// moduleRoot is the nearest directory at or above the working one that
// holds go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod at or above the test's directory")
		}
		dir = parent
	}
}
