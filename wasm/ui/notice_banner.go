package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/appstate"
	"github.com/waprivacy/waprivacy/wasm/i18n"
)

// NoticeBanner says what was just changed on the phone, until dismissed.
type NoticeBanner struct {
	app.Compo
	Lang      i18n.Lang
	Notice    *appstate.Notice
	dismissed int64
}

func (b *NoticeBanner) Render() app.UI {
	n := b.Notice
	if n == nil || n.ID == b.dismissed {
		return app.Div().Hidden(true)
	}
	l := b.Lang
	return app.Section().ID("notice").Class("banner banner-info").Role("status").DataSet("id", n.ID).Body(
		app.P().Body(app.Strong().Text(l.F("notice.title", formatTime(l, n.At)))),
		app.Ul().Class("changes").Body(
			app.Range(n.Changes).Slice(func(i int) app.UI { return app.Li().Text(l.Describe(n.Changes[i])) }),
		),
		app.Button().Type("button").Class("button button-quiet").Text(l.T("notice.dismiss")).
			OnClick(func(ctx app.Context, e app.Event) { b.dismissed = b.Notice.ID }),
	)
}
