package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// wasmBuilds are the app's js/wasm builds, with the tags the Makefile's
// WASM_BUILD gives them: the production app (make build) and the one
// that trusts the emulator (make demo, the browser tests).
var wasmBuilds = map[string]string{
	"production": "nethttpomithttp2",
	"waemu":      "nethttpomithttp2,waemu",
}

// forbiddenInApp reports why the app's wasm must not link pkg, or "".
func forbiddenInApp(pkg string) string {
	const module = "github.com/waprivacy/waprivacy"
	switch {
	case pkg == "testing" || strings.HasPrefix(pkg, "testing/"):
		return "test code (e.g. github.com/ncruces/go-sqlite3/vfs/memdb, which wasm/storage/storagetest uses)"
	case pkg == module+"/cmd/waemu" || strings.HasPrefix(pkg, module+"/cmd/waemu/"):
		return "the emulated WhatsApp server, whose TEST-ONLY root key is published"
	case pkg == module+"/wasm/storage/storagetest" || pkg == module+"/wasm/chromiumkill" || strings.HasPrefix(pkg, module+"/wasm/internal/"):
		return "test helpers"
	}
	return ""
}

// TestTheAppDoesNotLinkTestCode lists what the js/wasm builds of this
// command import, as `go list -deps` sees them.
func TestTheAppDoesNotLinkTestCode(t *testing.T) {
	for build, tags := range wasmBuilds {
		t.Run(build, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), "go", "list", "-deps", "-tags", tags,
				"-f", "{{.ImportPath}} {{join .Imports \" \"}}", ".")
			cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
			out, err := cmd.Output()
			if err != nil {
				var stderr []byte
				if e, ok := err.(*exec.ExitError); ok {
					stderr = e.Stderr
				}
				t.Fatalf("go list: %v\n%s", err, stderr)
			}
			importers := map[string][]string{} // package → the packages that import it
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			for _, line := range lines {
				fields := strings.Fields(line)
				for _, imp := range fields[1:] {
					importers[imp] = append(importers[imp], fields[0])
				}
			}
			if len(lines) < 100 {
				t.Fatalf("go list -deps named only %d packages:\n%s", len(lines), out)
			}
			for _, line := range lines {
				pkg := strings.Fields(line)[0]
				if why := forbiddenInApp(pkg); why != "" {
					t.Errorf("the %s wasm (GOOS=js GOARCH=wasm -tags %s) imports %s, %s; imported by %s",
						build, tags, pkg, why, strings.Join(importers[pkg], ", "))
				}
			}
		})
	}
}

func TestForbiddenInApp(t *testing.T) {
	for pkg, forbidden := range map[string]bool{
		"testing": true, "testing/iotest": true, "testingx": false,
		"github.com/waprivacy/waprivacy/cmd/waemu/emulator":       true,
		"github.com/waprivacy/waprivacy/cmd/waemu":                true,
		"github.com/waprivacy/waprivacy/cmd/waemux":               false,
		"github.com/waprivacy/waprivacy/wasm/storage/storagetest": true,
		"github.com/waprivacy/waprivacy/wasm/storage":             false,
		"github.com/waprivacy/waprivacy/wasm/chromiumkill":        true,
		"github.com/waprivacy/waprivacy/wasm/emutrust":            false,
	} {
		if got := forbiddenInApp(pkg) != ""; got != forbidden {
			t.Errorf("forbiddenInApp(%q) = %v, want %v", pkg, got, forbidden)
		}
	}
}
