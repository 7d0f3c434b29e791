package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/i18n"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// ListEntry shows one entry of an except-list or of the blocklist: a
// phone number, or, for a contact whose number WhatsApp hides, the
// username or name WhatsApp gave, said to have no number, with the LID
// the in-page API knows it by.
type ListEntry struct {
	app.Compo
	Lang  i18n.Lang
	Entry string // digits, or "<digits>@lid"
	Label string // privacy.Snapshot.Label of Entry
}

func (e *ListEntry) Render() app.UI {
	if !privacy.IsLID(e.Entry) {
		return app.Span().Class("phone").Text(e.Label)
	}
	note := e.Lang.T("entry.no-number")
	if e.Label != e.Entry {
		note += " · " + e.Entry
	}
	return app.Span().Class("entry").Body(
		app.Span().Class("phone entry-name").Text(e.Label),
		app.Text(" "),
		app.Span().Class("hint entry-note").Text("("+note+")"),
	)
}
