package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/i18n"
)

// UpdateBanner offers to reload once a new version of the app is ready.
type UpdateBanner struct {
	app.Compo
	Lang i18n.Lang
}

func (b *UpdateBanner) Render() app.UI {
	return app.Div().ID("update-banner").Class("banner banner-info").Role("status").Body(
		app.P().Text(b.Lang.T("update.ready")),
		app.Button().Type("button").Class("button").Text(b.Lang.T("update.reload")).
			OnClick(func(ctx app.Context, e app.Event) { ctx.Reload() }),
	)
}
