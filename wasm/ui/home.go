package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/waprivacy/waprivacy/wasm/session"
)

// Home is the start page: it says what the app is and how the WhatsApp
// connection stands.
type Home struct {
	app.Compo
	status session.Status
}

func (h *Home) OnMount(ctx app.Context) {
	ctx.ObserveState(StateSession, &h.status)
	ctx.NewAction(ActionStartSession)
}

func (h *Home) Render() app.UI {
	return app.Main().Class("page").Body(
		app.Header().Class("brand").Body(
			app.Img().Src("/web/icon.svg").Alt("waprivacy logo").Class("brand-icon"),
			app.H1().Text("waprivacy"),
		),
		app.P().Class("lede").Text("WhatsApp privacy controls that run entirely in your browser. "+
			"Your keys and settings never leave this device."),
		&ConnectionStatus{Status: h.status},
	)
}
