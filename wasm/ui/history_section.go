package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/history"
	"github.com/waprivacy/waprivacy/wasm/i18n"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// HistorySection lists the latest changes, from this app and from the
// phone, each of which can be undone.
type HistorySection struct {
	app.Compo
	Lang    i18n.Lang
	Entries []history.Entry
	// Contacts names list entries without a number.
	Contacts map[string]privacy.Contact
	result   FormState
}

const historyForm = "history"

func (s *HistorySection) OnMount(ctx app.Context) {
	ctx.ObserveState(FormKey(historyForm), &s.result)
}

func (s *HistorySection) Render() app.UI {
	l := s.Lang
	saving := s.result.Phase == PhaseSaving
	return app.Section().ID("history").Class("card").Aria("labelledby", "history-title").Body(
		app.H1().ID("history-title").Text(l.T("history.title")),
		app.P().Class("lede").Text(l.T("history.intro")),
		&FormResult{Lang: l, State: s.result, Contacts: s.Contacts},
		app.If(len(s.Entries) == 0, func() app.UI { return app.P().Class("hint empty").Text(l.T("history.empty")) }).
			Else(func() app.UI {
				return app.Ol().Class("history").Body(
					app.Range(s.Entries).Slice(func(i int) app.UI {
						e := s.Entries[i]
						var changes []app.UI
						for _, ch := range e.Changes {
							changes = append(changes, app.Li().Text(l.DescribeWith(ch, privacy.Snapshot{Contacts: s.Contacts}.Label)))
						}
						return app.Li().DataSet("id", e.ID).DataSet("source", e.Source).Body(
							app.P().Class("history-meta").Body(
								app.Time().DateTime(e.At.UTC().Format("2006-01-02T15:04:05Z")).Text(formatTime(l, e.At)),
								app.Span().Class("tag tag-"+e.Source).Text(l.T("history.source."+e.Source)),
							),
							app.Ul().Class("changes").Body(changes...),
							app.Button().Type("button").Class("button button-quiet").DataSet("id", e.ID).Disabled(saving).
								Aria("label", l.F("history.undo.label", formatTime(l, e.At))).Text(l.T("history.undo")).
								OnClick(func(ctx app.Context, _ app.Event) {
									ctx.SetState(FormKey(historyForm), FormState{Phase: PhaseSaving})
									ctx.NewActionWithValue(ActionUndo, UndoRequest{Form: historyForm, ID: e.ID})
								}, app.EventScope(e.ID)),
						)
					}),
				)
			}),
	)
}
