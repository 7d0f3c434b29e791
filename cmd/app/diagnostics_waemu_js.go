//go:build js && waemu

package main

import (
	"context"
	"syscall/js"
	"time"

	"github.com/waprivacy/waprivacy/wasm/jsapi"
)

// In the build that trusts the emulator, globalThis.waprivacyDiagnostics()
// is a Promise of the database's checks (appstate.Diagnostics), or of
// {error} while the page is starting: the crash tests
// (kill_browser_test.go) have no other way to see inside the database.
// The production build has no such function (dist_test.go checks).
func init() {
	js.Global().Set("waprivacyDiagnostics", js.FuncOf(func(js.Value, []js.Value) any {
		return jsapi.Promise("waprivacyDiagnostics()", func() any {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			d, err := core.Diagnostics(ctx)
			if err != nil {
				return struct {
					Error string `json:"error"`
				}{err.Error()}
			}
			return d
		})
	}))
}
