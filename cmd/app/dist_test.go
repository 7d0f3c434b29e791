//go:build dist

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
)

// builtWasm reads web/app.wasm from the site that the environment
// variable env names, as `make test` sets it after building.
func builtWasm(t *testing.T, env string) []byte {
	t.Helper()
	dir := os.Getenv(env)
	if dir == "" {
		t.Fatalf("%s is not set: it names the built site whose web/app.wasm this test reads; run `make test`", env)
	}
	path := filepath.Join(dir, "web", "app.wasm")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the built app is missing (%v): build it first (make build; make build/demo-site/index.html for the demo)", err)
	}
	return data
}

// TestDistProductionWasmDoesNotTrustTheEmulator: the app `make build`
// ships carries whatsmeow's real root, never the emulator's TEST-ONLY
// one, whose private half is published in cmd/waemu.
func TestDistProductionWasmDoesNotTrustTheEmulator(t *testing.T) {
	root := emulator.RootPublicKey()
	if bytes.Contains(builtWasm(t, "WAPRIVACY_DIST"), root[:]) {
		t.Fatalf("%s/web/app.wasm contains the emulator's TEST-ONLY root public key %x: it was built with the waemu tag, or links cmd/waemu", os.Getenv("WAPRIVACY_DIST"), root)
	}
}

// TestDistDemoWasmTrustsTheEmulator is the check's own check: the
// waemu-tagged build holds the key, so the search above can find it.
func TestDistDemoWasmTrustsTheEmulator(t *testing.T) {
	root := emulator.RootPublicKey()
	if !bytes.Contains(builtWasm(t, "WAPRIVACY_DEMO_DIST"), root[:]) {
		t.Fatalf("%s/web/app.wasm lacks the emulator's root public key %x: the waemu build no longer holds it as 32 plain bytes, so TestDistProductionWasmDoesNotTrustTheEmulator proves nothing", os.Getenv("WAPRIVACY_DEMO_DIST"), root)
	}
}

// diagnosticsHook is the global that the waemu build installs for the
// crash tests (diagnostics_waemu_js.go).
const diagnosticsHook = "waprivacyDiagnostics"

// TestDistProductionWasmHasNoDiagnosticsHook: a look inside the database
// is for tests; the app people use does not offer it to page scripts.
func TestDistProductionWasmHasNoDiagnosticsHook(t *testing.T) {
	if bytes.Contains(builtWasm(t, "WAPRIVACY_DIST"), []byte(diagnosticsHook)) {
		t.Fatalf("%s/web/app.wasm contains %q: it was built with the waemu tag", os.Getenv("WAPRIVACY_DIST"), diagnosticsHook)
	}
}

// TestDistDemoWasmHasTheDiagnosticsHook is the check's own check: the
// name is in the waemu build as plain bytes, so the search above can
// find it.
func TestDistDemoWasmHasTheDiagnosticsHook(t *testing.T) {
	if !bytes.Contains(builtWasm(t, "WAPRIVACY_DEMO_DIST"), []byte(diagnosticsHook)) {
		t.Fatalf("%s/web/app.wasm lacks %q, so TestDistProductionWasmHasNoDiagnosticsHook proves nothing", os.Getenv("WAPRIVACY_DEMO_DIST"), diagnosticsHook)
	}
}
