package ui

import (
	"net/http"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/i18n"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// FormResult shows how a form's last submission went: in progress,
// confirmed (with what changed), saved for later, accepted but not yet
// shown by WhatsApp, or why it failed, in words a person understands,
// with the engine's own words one click away. A refused request's
// problems, such as a number that is not on WhatsApp, are shown outright.
type FormResult struct {
	app.Compo
	Lang  i18n.Lang
	State FormState
	// Local is a problem found before sending, such as a malformed
	// phone number.
	Local string
	// Done is what to say on success instead of listing the changes.
	Done string
	// Contacts names list entries without a number in the changes.
	Contacts map[string]privacy.Contact
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
			items = append(items, app.Li().Text(l.DescribeWith(ch, privacy.Snapshot{Contacts: r.Contacts}.Label)))
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
		if s.NotConfirmed {
			// Not a refusal: WhatsApp took it, its read lags behind.
			return app.Div().Class("result result-queued").Role("status").DataSet("phase", "not-confirmed").
				DataSet("status", s.Status).Body(
				app.P().Text(l.T("form.not-confirmed")),
				app.If(s.Detail != "", func() app.UI {
					return app.Details().Body(app.Summary().Text(l.T("error.details")), app.P().Class("detail").Text(s.Detail))
				}),
			)
		}
		problems := fieldProblems(l, s)
		return app.Div().Class("result result-error").Role("alert").DataSet("phase", string(s.Phase)).
			DataSet("status", s.Status).Body(
			app.P().Text(failure(l, s)),
			app.If(len(problems) > 0, func() app.UI {
				items := make([]app.UI, len(problems))
				for i, p := range problems {
					items[i] = app.Li().Text(p)
				}
				return app.Ul().Class("problems").Body(items...)
			}),
			// The engine's words, unless they are the problem shown.
			app.If(s.Detail != "" && (len(s.Fields) > 0 || len(problems) == 0), func() app.UI {
				return app.Details().Body(app.Summary().Text(l.T("error.details")), app.P().Class("detail").Text(s.Detail))
			}),
		)
	}
	return app.Div().Class("result").Hidden(true)
}

// notOnWhatsApp is how the engine ends a field error for a number
// WhatsApp does not know: "+<digits> is not on WhatsApp".
const notOnWhatsApp = " is not on WhatsApp"

// fieldProblems lists what was wrong with a refused request, to show
// outright: each invalid field, a number not on WhatsApp in the person's
// language, or, where the engine named no field, its own words, written
// for people. Nothing was sent when a request is refused.
func fieldProblems(l i18n.Lang, s FormState) []string {
	if s.Status != http.StatusBadRequest {
		return nil
	}
	var out []string
	for _, f := range s.Fields {
		out = append(out, problem(l, f.Message))
	}
	if len(out) == 0 && s.Detail != "" {
		// The engine's message of one number not on WhatsApp adds that
		// nothing changed, which the headline says.
		out = append(out, problem(l, strings.TrimSuffix(s.Detail, "; nothing was changed.")))
	}
	return out
}

// problem words one of a refused request's problems in the person's
// language where the app knows it, else as the engine worded it.
func problem(l i18n.Lang, message string) string {
	if phone, ok := strings.CutSuffix(message, notOnWhatsApp); ok && strings.HasPrefix(phone, "+") && !strings.Contains(phone, " ") {
		return l.F("error.not-on-whatsapp", phone)
	}
	return message
}

// failure words a failure by its kind; whether anything changed matters
// most, so it comes first.
func failure(l i18n.Lang, s FormState) string {
	var msg string
	switch s.Status {
	case http.StatusBadRequest:
		// Nothing is sent when a request is refused; its problems, when
		// known, follow and say why.
		if len(fieldProblems(l, s)) > 0 {
			return l.T("error.nothing-changed") + " " + l.T("error.try-again")
		}
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
