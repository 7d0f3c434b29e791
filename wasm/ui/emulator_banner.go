package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/emutrust"
	"github.com/waprivacy/waprivacy/wasm/i18n"
)

// testBuild is set in a build with the waemu tag, which trusts the
// emulated WhatsApp (wasm/emutrust); a variable so tests render both.
var testBuild = emutrust.Enabled

// EmulatorBanner says, on every page of a build with the waemu tag, that
// it trusts the emulated WhatsApp's test-only root rather than WhatsApp's.
type EmulatorBanner struct {
	app.Compo
	Lang i18n.Lang
}

func (b *EmulatorBanner) Render() app.UI {
	l := b.Lang
	return app.Div().ID("test-build").Class("banner banner-warn").Role("note").Body(
		app.P().Class("banner-title").Body(app.Strong().Text(l.T("app.test-build"))),
		app.P().Class("hint").Text(l.T("app.test-build.hint")),
	)
}
