package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/i18n"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// GlanceSection lists the settings kept from the last start
// (appstate.Glance) while the page opens its database. It is a plain list,
// not the dashboard's forms: it renders in a fraction of their time, and
// that time comes before the database opens, so the page's API and its
// connection wait for it. The dashboard replaces it once the start is
// done.
type GlanceSection struct {
	app.Compo
	Lang     i18n.Lang
	Snapshot privacy.Snapshot
}

func (g *GlanceSection) Render() app.UI {
	l, s := g.Lang, g.Snapshot
	var rows []app.UI
	for _, c := range privacy.Categories() {
		v, ok := s.Settings[c]
		if !ok {
			continue
		}
		rows = append(rows,
			app.Dt().Text(l.CategoryTitle(c)),
			app.Dd().ID("glance-"+string(c)).Text(l.ValueLabel(c, v)),
		)
	}
	rows = append(rows,
		app.Dt().Text(l.T("timer.title")),
		app.Dd().ID("glance-timer").Text(l.TimerLabel(s.DefaultTimer)),
	)
	return app.Section().ID("glance").Class("card").Aria("labelledby", "glance-title").Body(
		app.H1().ID("glance-title").Text(l.T("privacy.title")),
		app.Dl().Class("glance-list").Body(rows...),
	)
}
