//go:build js

package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	// Trusts the emulated server only in builds with the waemu tag (make
	// demo, tests); otherwise it is empty.
	_ "github.com/waprivacy/waprivacy/wasm/emutrust"
)

// In the browser the program is the app itself.
func main() {
	registerRoutes()
	registerHandlers()
	app.RunWhenOnBrowser()
}
