package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/i18n"
	"github.com/waprivacy/waprivacy/wasm/session"
)

// AppHeader shows the app's name, which account is on screen (with a
// switcher when there are several) and the language switcher.
type AppHeader struct {
	app.Compo
	Lang     i18n.Lang
	Accounts []session.Status
	Current  string
}

func (h *AppHeader) Render() app.UI {
	l := h.Lang
	var linked []session.Status
	for _, a := range h.Accounts {
		if a.Phone != "" {
			linked = append(linked, a)
		}
	}
	return app.Header().Class("app-header").Body(
		app.Div().Class("brand").Body(
			app.Img().Src("/web/icon.svg").Alt("").Class("brand-icon").Width(40).Height(40),
			app.Div().Body(
				app.P().Class("brand-name").Text("waprivacy"),
				app.P().Class("brand-tagline").Text(l.T("app.tagline")),
			),
		),
		app.Div().Class("header-tools").Body(
			app.If(len(linked) > 1, func() app.UI {
				return app.Div().Class("field-inline").Body(
					app.Label().For("account-switch").Text(l.T("accounts.switch")),
					app.Select().ID("account-switch").OnChange(h.onSwitch).Body(
						app.Range(linked).Slice(func(i int) app.UI {
							return app.Option().Value(linked[i].Account).Selected(linked[i].Account == h.Current).
								Text(i18n.Phone(linked[i].Phone))
						}),
					),
				)
			}),
			&LanguageSwitch{Lang: l},
		),
	)
}

func (h *AppHeader) onSwitch(ctx app.Context, e app.Event) {
	ctx.NewActionWithValue(ActionSelect, ctx.JSSrc().Get("value").String())
}
