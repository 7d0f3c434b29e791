package ui

import (
	"net/http"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/i18n"
)

// FormResult shows how a form's last submission went: in progress,
// confirmed (with what changed), saved for later, or why it failed, in
// words a person understands, with the engine's own words one click away.
type FormResult struct {
	app.Compo
	Lang  i18n.Lang
	State FormState
	// Local is a problem found before sending, such as a malformed
	// phone number.
	Local string
	// Done is what to say on success instead of listing the changes.
	Done string
}

func (r *FormResult) Render() app.UI {
	l, s := r.Lang, r.State
	if r.Local != "" {
		return app.P().Class("result result-error").Role("alert").DataSet("phase", "invalid").Text(r.Local)
	}
	switch s.Phase {
	case PhaseSaving:
		return app.P().Class("result result-progress").Role("status").DataSet("phase", string(s.Phase)).Body(
			app.Span().Class("spinner").Aria("hidden", "true"),
			app.Text(l.T("form.saving")),
		)
	case PhaseDone:
		var items []app.UI
		for _, ch := range s.Changes {
			items = append(items, app.Li().Text(l.Describe(ch)))
		}
		text := r.Done
		if s.Unconfirmed {
			text = l.T("form.unconfirmed")
		} else if text == "" {
			text = l.T("form.done")
			if len(s.Changes) == 0 {
				text = l.T("form.unchanged")
			}
		}
		return app.Div().Class("result result-ok").Role("status").DataSet("phase", string(s.Phase)).Body(
			app.P().Text(text),
			app.If(len(items) > 0, func() app.UI { return app.Ul().Class("changes").Body(items...) }),
		)
	case PhaseQueued:
		return app.P().Class("result result-queued").Role("status").DataSet("phase", string(s.Phase)).Text(l.T("form.queued"))
	case PhaseFailed:
		return app.Div().Class("result result-error").Role("alert").DataSet("phase", string(s.Phase)).
			DataSet("status", s.Status).Body(
			app.P().Text(failure(l, s)),
			app.If(s.Detail != "", func() app.UI {
				return app.Details().Body(app.Summary().Text(l.T("error.details")), app.P().Class("detail").Text(s.Detail))
			}),
		)
	}
	return app.Div().Class("result").Hidden(true)
}

// failure words a failure by its kind; whether anything changed matters
// most, so it comes first.
func failure(l i18n.Lang, s FormState) string {
	var msg string
	switch s.Status {
	case http.StatusBadRequest:
		msg = l.T("error.invalid")
	case http.StatusConflict:
		msg = l.T("error.conflict")
	case http.StatusServiceUnavailable:
		msg = l.T("error.offline")
	case http.StatusGatewayTimeout:
		msg = l.T("error.timeout")
	case http.StatusBadGateway:
		msg = l.T("error.refused")
	default:
		msg = l.T("error.other")
	}
	switch {
	case s.RestoreFailed:
		msg += " " + l.T("error.restore-failed")
	case s.RolledBack:
		msg += " " + l.T("error.nothing-changed")
	}
	return msg + " " + l.T("error.try-again")
}

// clearInput empties an input once its content was used. Rendering
// Value("") cannot: go-app v10.1.11 drops an empty value attribute instead
// of setting it (attributes.Set tests the value, not the name), which
// leaves the typed text in place.
func clearInput(id string) {
	if input := app.Window().GetElementByID(id); input.Truthy() {
		input.Set("value", "")
	}
}
