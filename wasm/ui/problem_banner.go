package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/appstate"
	"github.com/waprivacy/waprivacy/wasm/i18n"
)

// ProblemBanner explains what keeps the app from working: the session
// open in another tab, a database that cannot be opened, full storage, or
// any other failure to read or save on this device (the view's Problem).
type ProblemBanner struct {
	app.Compo
	Lang        i18n.Lang
	Phase       appstate.Phase
	Problem     string
	StorageFull bool
}

func (b *ProblemBanner) Render() app.UI {
	l := b.Lang
	var title, hint string
	switch {
	case b.Phase == appstate.PhaseOtherTab:
		title, hint = l.T("problem.other-tab"), l.T("problem.other-tab.hint")
	case b.Phase == appstate.PhaseFailed:
		title, hint = l.T("problem.failed"), l.T("problem.failed.hint")
	case b.StorageFull:
		title, hint = l.T("problem.storage-full"), l.T("problem.storage-full.hint")
	case b.Problem != "":
		title, hint = l.T("problem.local"), l.T("problem.local.hint")
	default:
		return app.Div().Hidden(true)
	}
	return app.Div().ID("problem").Class("banner banner-warn").Role("alert").DataSet("phase", string(b.Phase)).Body(
		app.P().Body(app.Strong().Text(title)),
		app.P().Text(hint),
		app.If(b.Phase != appstate.PhaseReady || !b.StorageFull, func() app.UI {
			return app.Button().Type("button").Class("button").Text(l.T("update.reload")).
				OnClick(func(ctx app.Context, e app.Event) { ctx.Reload() })
		}),
		app.If(b.Problem != "", func() app.UI {
			return app.Details().Body(app.Summary().Text(l.T("error.details")), app.P().Class("detail").Text(b.Problem))
		}),
	)
}
