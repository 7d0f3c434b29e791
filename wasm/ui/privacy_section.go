package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/appstate"
	"github.com/waprivacy/waprivacy/wasm/i18n"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// PrivacySection is the dashboard: one form per Z-API privacy endpoint,
// in the order of WhatsApp's settings screen, each with its "my contacts
// except…" list where it has one, and the default message timer. The
// settings only the phone can change are shown, without a form; the
// optional ones (messages) and the read-only ones show only when the
// account's answer lists them.
type PrivacySection struct {
	app.Compo
	Lang i18n.Lang
	View appstate.View
}

func (s *PrivacySection) Render() app.UI {
	l, v := s.Lang, s.View
	if !v.HasPrivacy {
		return app.Section().ID("privacy").Class("card").Body(
			app.H1().Text(l.T("privacy.title")),
			app.P().ID("privacy-loading").Class("hint").Aria("live", "polite").Text(l.T("privacy.loading")),
		)
	}
	var forms []app.UI
	for _, c := range privacy.Categories() {
		current, ok := v.Privacy.Settings[c]
		if !ok && (c.Optional() || c.ReadOnly()) {
			continue // only some accounts have it
		}
		if c.ReadOnly() {
			forms = append(forms, app.Div().Class("card").Body(&ReadOnlySetting{Lang: l, Category: c, Current: current}))
			continue
		}
		pending, _ := v.PendingFor(privacy.SettingField(c))
		card := []app.UI{&SettingForm{Lang: l, Field: privacy.SettingField(c), Current: string(current), Pending: pending}}
		if c.HasExceptList() {
			card = append(card, &ExceptEditor{Lang: l, Category: c, List: v.Privacy.Except[c], Contacts: v.Privacy.Contacts, Value: current})
		}
		forms = append(forms, app.Div().Class("card").Body(card...))
	}
	pending, _ := v.PendingFor(privacy.FieldTimer)
	forms = append(forms, app.Div().Class("card").Body(
		&SettingForm{Lang: l, Field: privacy.FieldTimer, Current: timerValue(v.Privacy.DefaultTimer), Pending: pending},
	))
	return app.Section().ID("privacy").Aria("labelledby", "privacy-title").Body(
		app.H1().ID("privacy-title").Text(l.T("privacy.title")),
		app.P().Class("lede").Text(l.T("privacy.intro")),
		app.Div().Class("forms").Body(forms...),
	)
}
