package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/i18n"
)

// LanguageSwitch lets the person pick the app's language; the choice is
// kept for later visits.
type LanguageSwitch struct {
	app.Compo
	Lang i18n.Lang
}

func (s *LanguageSwitch) Render() app.UI {
	return app.Div().Class("field-inline").Body(
		app.Label().For("language").Text(s.Lang.T("app.language")),
		app.Select().ID("language").OnChange(s.onChange).Body(
			app.Range(i18n.Langs()).Slice(func(i int) app.UI {
				l := i18n.Langs()[i]
				return app.Option().Value(string(l)).Lang(string(l)).Selected(l == s.Lang).Text(l.Name())
			}),
		),
	)
}

func (s *LanguageSwitch) onChange(ctx app.Context, e app.Event) {
	if l := i18n.Lang(ctx.JSSrc().Get("value").String()); l.Valid() {
		ctx.SetState(StateLang, l).Persist()
	}
}
