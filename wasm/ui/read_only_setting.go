package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/i18n"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// ReadOnlySetting shows a setting only the primary phone can change, such
// as strict account settings: its value now and where to change it, with
// nothing to choose or save, as nothing can be sent for it.
type ReadOnlySetting struct {
	app.Compo
	Lang     i18n.Lang
	Category privacy.Category
	// Current is the value now; it may be one the model does not know.
	Current privacy.Value
}

func (r *ReadOnlySetting) Render() app.UI {
	l, c := r.Lang, r.Category
	id := "form-" + string(c)
	return app.Div().ID(id).Class("setting setting-readonly").DataSet("field", string(c)).
		DataSet("current", string(r.Current)).DataSet("readonly", "true").
		Role("group").Aria("labelledby", id+"-title").Aria("describedby", id+"-question "+id+"-readonly").Body(
		app.H2().ID(id+"-title").Text(l.CategoryTitle(c)),
		app.P().ID(id+"-question").Class("hint").Text(l.CategoryQuestion(c)),
		app.P().Class("current-value").Body(
			app.Span().Class("option-label").Text(l.ValueLabel(c, r.Current)),
			app.If(c.Allows(r.Current), func() app.UI {
				return app.Span().Class("tag tag-current").Text(l.T("form.current"))
			}),
		),
		app.P().ID(id+"-readonly").Class("hint readonly-hint").Text(l.T("form.readonly")),
	)
}
