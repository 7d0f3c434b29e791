package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/waprivacy/waprivacy/wasm/ui"
)

// registerRoutes is shared by the browser build, which renders the pages,
// and the native build, which prerenders them into the static site.
func registerRoutes() {
	app.Route("/", app.NewZeroComponentFactory(&ui.Home{}))
	app.Handle(ui.ActionStartSession, startSession)
}
