package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/ui"
)

// registerRoutes is shared by the browser build, which renders the pages,
// and the native build, which prerenders them into the static site. Every
// section is a route of the same page, so a deep link opens it.
func registerRoutes() {
	for _, path := range ui.Sections() {
		app.Route(path, app.NewZeroComponentFactory(&ui.Page{}))
	}
	app.Route(ui.EmbedPath, app.NewZeroComponentFactory(&ui.EmbedPage{}))
}
