package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/appstate"
	"github.com/waprivacy/waprivacy/wasm/i18n"
	"github.com/waprivacy/waprivacy/wasm/outbox"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// QueueList shows the edits made offline: waiting for the connection,
// refused by WhatsApp, or in conflict with a change made on the phone
// meanwhile, where the person chooses which value stays.
type QueueList struct {
	app.Compo
	Lang      i18n.Lang
	Queue     []appstate.Queued
	Connected bool
	// Contacts names list entries without a number.
	Contacts map[string]privacy.Contact
	result   FormState
}

const queueForm = "queue"

func (q *QueueList) OnMount(ctx app.Context) {
	ctx.ObserveState(FormKey(queueForm), &q.result)
}

func (q *QueueList) Render() app.UI {
	if len(q.Queue) == 0 {
		return app.Div().ID("queue").Hidden(true)
	}
	l := q.Lang
	return app.Section().ID("queue").Class("banner banner-info").Aria("labelledby", "queue-title").Body(
		app.H2().ID("queue-title").Class("banner-title").Text(l.F("queue.title", len(q.Queue))),
		app.Ul().Class("queue").Body(
			app.Range(q.Queue).Slice(func(i int) app.UI { return q.item(l, q.Queue[i]) }),
		),
		&FormResult{Lang: l, State: q.result, Done: l.T("queue.done"), Contacts: q.Contacts},
	)
}

func (q *QueueList) item(l i18n.Lang, e appstate.Queued) app.UI {
	var what []app.UI
	for _, ch := range e.Wanted {
		what = append(what, app.Li().Text(l.DescribeWith(ch, privacy.Snapshot{Contacts: q.Contacts}.Label)))
	}
	var body []app.UI
	body = append(body, app.Ul().Class("changes").Body(what...))
	switch e.State {
	case outbox.Conflict:
		for _, ch := range e.Conflicts {
			body = append(body, app.P().Class("conflict").Text(l.F("queue.conflict",
				l.FieldTitle(ch.Field), l.FieldValue(ch.Field, ch.Before), l.FieldValue(ch.Field, ch.After))))
		}
		body = append(body, app.Div().Class("actions").Body(
			q.button(l.T("queue.keep-mine"), "keep-mine", e.ID, func(ctx app.Context) {
				q.send(ctx, ActionResolve, ResolveRequest{Form: queueForm, ID: e.ID, KeepMine: true})
			}),
			q.button(l.T("queue.keep-phone"), "keep-phone", e.ID, func(ctx app.Context) {
				q.send(ctx, ActionResolve, ResolveRequest{Form: queueForm, ID: e.ID})
			}),
		))
	case outbox.Failed:
		body = append(body, app.P().Class("result-error").Text(l.T("queue.failed")),
			app.Details().Body(app.Summary().Text(l.T("error.details")), app.P().Class("detail").Text(e.Problem)),
			app.Div().Class("actions").Body(
				q.button(l.T("queue.retry"), "retry", e.ID, func(ctx app.Context) {
					q.send(ctx, ActionRetryQueue, QueueRequest{Form: queueForm, ID: e.ID})
				}),
				q.button(l.T("queue.discard"), "discard", e.ID, func(ctx app.Context) {
					q.send(ctx, ActionDiscard, QueueRequest{Form: queueForm, ID: e.ID})
				}),
			))
	default:
		status := l.T("queue.waiting")
		if q.Connected {
			status = l.T("queue.applying")
		}
		body = append(body, app.P().Class("hint").Text(status), app.Div().Class("actions").Body(
			q.button(l.T("queue.discard"), "discard", e.ID, func(ctx app.Context) {
				q.send(ctx, ActionDiscard, QueueRequest{Form: queueForm, ID: e.ID})
			}),
		))
	}
	return app.Li().DataSet("id", e.ID).DataSet("state", string(e.State)).DataSet("fields", fields(e.Wanted)).Body(body...)
}

// button is one of an edit's buttons. Its handler is scoped to the edit:
// go-app tells handlers apart by code, not by what they capture, so an
// unscoped closure would keep acting on the edit first shown in its place.
func (q *QueueList) button(text, name string, id int64, do func(app.Context)) app.UI {
	return app.Button().Type("button").Class("button button-quiet").DataSet("do", name).
		Disabled(q.result.Phase == PhaseSaving).Text(text).
		OnClick(func(ctx app.Context, e app.Event) { do(ctx) }, app.EventScope(name, id))
}

func (q *QueueList) send(ctx app.Context, action string, v any) {
	ctx.SetState(FormKey(queueForm), FormState{Phase: PhaseSaving})
	ctx.NewActionWithValue(action, v)
}

// fields names the fields of changes, space-separated, for styling and
// tests.
func fields(changes []privacy.Change) string {
	out := ""
	for i, ch := range changes {
		if i > 0 {
			out += " "
		}
		out += string(ch.Field)
	}
	return out
}
