package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/api"
	"github.com/waprivacy/waprivacy/wasm/i18n"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// ExceptEditor edits a category's "my contacts except…" list: the people
// on it, by number or, for those whose number WhatsApp hides, by username
// or name; adding one by phone number; removing any. Any edit also sets
// the category to "my contacts except…", as on the phone.
type ExceptEditor struct {
	app.Compo
	Lang     i18n.Lang
	Category privacy.Category
	List     []string
	// Contacts names the entries without a number (privacy.Snapshot's).
	Contacts map[string]privacy.Contact
	Value    privacy.Value // the category's value now
	phone    string
	local    string
	last     privacy.Update // the latest edit, for its request
	result   FormState
}

func (e *ExceptEditor) id() string { return "except-" + string(e.Category) }

func (e *ExceptEditor) OnMount(ctx app.Context) {
	ctx.ObserveState(FormKey(e.id()), &e.result).OnChange(func() {
		if e.result.Phase == PhaseDone || e.result.Phase == PhaseQueued {
			e.phone = ""
			clearInput(e.id() + "-phone")
		}
	})
}

func (e *ExceptEditor) Render() app.UI {
	l, c, id := e.Lang, e.Category, e.id()
	saving := e.result.Phase == PhaseSaving
	draft := e.last
	if phone, err := privacy.NormalizePhone(e.phone); err == nil {
		draft = privacy.Update{Except: map[privacy.Category]privacy.ExceptDelta{c: {Add: []string{phone}}}}
	}
	if draft.Empty() {
		draft = privacy.Update{Except: map[privacy.Category]privacy.ExceptDelta{c: {Add: []string{"5511988887777"}}}}
	}
	req, ok := api.Equivalent(draft)
	return app.Details().ID(id).Class("except").DataSet("count", len(e.List)).
		Open(e.Value == privacy.ContactBlacklist).Body(
		app.Summary().Body(app.H3().Text(l.F("except.summary", l.CategoryTitle(c), len(e.List)))),
		app.P().Class("hint").Text(l.F("except.hint", l.CategoryTitle(c))),
		app.If(len(e.List) == 0, func() app.UI { return app.P().Class("hint empty").Text(l.T("except.empty")) }).
			Else(func() app.UI {
				return app.Ul().ID(id + "-list").Class("phone-list").Body(
					app.Range(e.List).Slice(func(i int) app.UI {
						p := e.List[i]
						name := e.label(p)
						return app.Li().DataSet("phone", p).Body(
							&ListEntry{Lang: l, Entry: p, Label: name},
							app.Button().Type("button").Class("button button-quiet").DataSet("phone", p).
								Aria("label", l.F("except.remove.label", name)).Disabled(saving).
								Text(l.T("except.remove")).OnClick(func(ctx app.Context, _ app.Event) { e.remove(ctx, p) }, app.EventScope(p)),
						)
					}),
				)
			}),
		app.Form().Class("form form-inline").OnSubmit(e.add).Body(
			app.Label().For(id+"-phone").Text(l.T("except.add.label")),
			app.Div().Class("input-row").Body(
				app.Input().Type("tel").ID(id+"-phone").Name("phone").Attr("autocomplete", "tel").
					Aria("describedby", id+"-phone-hint").Value(e.phone).OnInput(e.ValueTo(&e.phone)),
				app.Button().Type("submit").Class("button").Disabled(saving).Text(l.T("except.add")),
			),
			app.P().ID(id+"-phone-hint").Class("hint").Text(l.T("phone.hint")),
		),
		&FormResult{Lang: l, State: e.result, Local: e.local, Contacts: e.Contacts},
		&RequestView{Lang: l, ID: id + "-request", Request: req, OK: ok},
	)
}

// label is how entry is shown: its number, else its username or name.
func (e *ExceptEditor) label(entry string) string {
	return privacy.Snapshot{Contacts: e.Contacts}.Label(entry)
}

func (e *ExceptEditor) add(ctx app.Context, ev app.Event) {
	ev.PreventDefault()
	phone, err := privacy.NormalizePhone(e.phone)
	if err != nil {
		e.local = e.Lang.T("phone.invalid")
		return
	}
	e.send(ctx, privacy.ExceptDelta{Add: []string{phone}})
}

func (e *ExceptEditor) remove(ctx app.Context, phone string) {
	e.send(ctx, privacy.ExceptDelta{Remove: []string{phone}})
}

func (e *ExceptEditor) send(ctx app.Context, d privacy.ExceptDelta) {
	e.local = ""
	e.last = privacy.Update{Except: map[privacy.Category]privacy.ExceptDelta{e.Category: d}}
	ctx.SetState(FormKey(e.id()), FormState{Phase: PhaseSaving})
	ctx.NewActionWithValue(ActionApply, ApplyRequest{Form: e.id(), Update: e.last})
}
