package ui

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/api"
	"github.com/waprivacy/waprivacy/wasm/i18n"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// SettingForm changes one setting, or the default message timer: the
// choices in WhatsApp's words with the value Z-API uses for each, the
// current one marked, and the request that would make the change. A
// current value the app does not know, set on a newer phone, is shown as
// such above the choices, none of which is then marked current; choosing
// one and saving replaces it.
type SettingForm struct {
	app.Compo
	Lang  i18n.Lang
	Field privacy.Field
	// Current is the value now, as privacy.Change spells it.
	Current string
	// Pending is a value saved offline and not yet applied, if any.
	Pending  string
	selected string // the person's choice; empty until they choose
	result   FormState
}

// option is one choice of a setting.
type option struct {
	value, label, apiValue string
}

func (f *SettingForm) id() string { return "form-" + string(f.Field) }

func (f *SettingForm) OnMount(ctx app.Context) {
	ctx.ObserveState(FormKey(f.id()), &f.result).OnChange(func() {
		// Once saved, the form follows the account again, phone changes
		// included; after a failure it keeps the person's choice.
		if f.result.Phase == PhaseDone || f.result.Phase == PhaseQueued {
			f.selected = ""
		}
	})
}

func (f *SettingForm) options() []option {
	l := f.Lang
	if f.Field == privacy.FieldTimer {
		var out []option
		for _, t := range privacy.Timers() {
			out = append(out, option{timerValue(t), l.TimerLabel(t), privacy.ZAPIDurationName(t)})
		}
		return out
	}
	c, _ := f.Field.Category()
	var out []option
	for _, v := range c.Values() {
		out = append(out, option{string(v), l.ValueLabel(c, v), apiValue(c, v)})
	}
	return out
}

// apiValue is how the API that sets c spells v: Z-API's value where Z-API
// has an endpoint, RyzeAPI's (the wire value) where only it does.
func apiValue(c privacy.Category, v privacy.Value) string {
	if c == privacy.ReadReceipts {
		return privacy.ZAPIReadReceiptsName(v)
	}
	if _, ok := privacy.ZAPIFieldFor(c); ok {
		return privacy.ZAPIValue(v)
	}
	if c == privacy.Messages {
		return ""
	}
	return string(v)
}

func timerValue(t privacy.Timer) string { return strconv.Itoa(int(t)) }

// offers reports whether value is one of the form's choices.
func (f *SettingForm) offers(value string) bool {
	for _, o := range f.options() {
		if o.value == value {
			return true
		}
	}
	return false
}

// unknownLabel names a current value that is none of the choices.
func (f *SettingForm) unknownLabel() string {
	if c, ok := f.Field.Category(); ok {
		return f.Lang.ValueLabel(c, privacy.Value(f.Current))
	}
	if n, err := strconv.Atoi(f.Current); err == nil {
		return f.Lang.F("value.unknown", f.Lang.TimerLabel(privacy.Timer(n)))
	}
	return f.Lang.F("value.unknown", f.Current)
}

// choice is the option the form shows as chosen.
func (f *SettingForm) choice() string {
	if f.selected != "" {
		return f.selected
	}
	return f.Current
}

// update is the change that sets value.
func (f *SettingForm) update(value string) privacy.Update {
	if f.Field == privacy.FieldTimer {
		t, _ := privacy.ParseTimer(value)
		return privacy.Update{Timer: &t}
	}
	c, _ := f.Field.Category()
	return privacy.Update{Settings: map[privacy.Category]privacy.Value{c: privacy.Value(value)}}
}

func (f *SettingForm) Render() app.UI {
	l := f.Lang
	title, question := l.T("timer.title"), l.T("question.timer")
	if c, ok := f.Field.Category(); ok {
		title, question = l.CategoryTitle(c), l.CategoryQuestion(c)
	}
	choice := f.choice()
	req, hasReq := api.Equivalent(f.update(choice))
	id := f.id()
	saving := f.result.Phase == PhaseSaving
	unknown := f.Current != "" && !f.offers(f.Current)
	describedBy := id + "-question"
	if unknown {
		describedBy += " " + id + "-unknown"
	}
	return app.Form().ID(id).Class("setting").DataSet("field", string(f.Field)).DataSet("current", f.Current).
		DataSet("unknown", strconv.FormatBool(unknown)).OnSubmit(f.submit).Body(
		app.FieldSet().Aria("describedby", describedBy).Body(
			app.Legend().Body(app.H2().Text(title)),
			app.P().ID(id+"-question").Class("hint").Text(question),
			app.If(unknown, func() app.UI {
				return app.P().ID(id+"-unknown").Class("current-value unknown-value").Body(
					app.Span().Class("option-label").Text(f.unknownLabel()),
					app.Span().Class("tag tag-current").Text(l.T("form.current")),
				)
			}),
			app.Div().Class("options").Body(
				app.Range(f.options()).Slice(func(i int) app.UI {
					o := f.options()[i]
					inputID := string(f.Field) + "-" + o.value
					return app.Div().Class("option").Body(
						app.Input().Type("radio").ID(inputID).Name(id).Value(o.value).Checked(o.value == choice).
							Disabled(saving).OnChange(f.onChoose),
						app.Label().For(inputID).Body(
							app.Span().Class("option-label").Text(o.label),
							app.If(o.value == f.Current, func() app.UI {
								return app.Span().Class("tag tag-current").Text(l.T("form.current"))
							}),
							app.If(o.value == f.Pending, func() app.UI {
								return app.Span().Class("tag tag-pending").Text(l.T("form.pending"))
							}),
							app.If(o.apiValue != "", func() app.UI { return app.Code().Class("api-value").Text(o.apiValue) }),
						),
					)
				}),
			),
		),
		app.Div().Class("actions").Body(
			app.Button().Type("submit").Class("button").Disabled(saving || choice == f.Current).
				Aria("busy", saving).Text(l.T("form.save")),
		),
		&FormResult{Lang: l, State: f.shownResult()},
		// A value from a newer phone has no request; a choice has one.
		app.If(f.offers(choice), func() app.UI {
			return &RequestView{Lang: l, ID: id + "-request", Request: req, OK: hasReq}
		}),
	)
}

// shownResult is the last save's result, unless the setting has changed
// since (on the phone, or through its except-list): a confirmation of a
// value no longer current would mislead.
func (f *SettingForm) shownResult() FormState {
	if f.result.Phase != PhaseDone {
		return f.result
	}
	for _, ch := range f.result.Changes {
		if ch.Field == f.Field && ch.After != f.Current {
			return FormState{}
		}
	}
	return f.result
}

func (f *SettingForm) onChoose(ctx app.Context, e app.Event) {
	f.selected = ctx.JSSrc().Get("value").String()
}

func (f *SettingForm) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	choice := f.choice()
	if choice == f.Current {
		return
	}
	ctx.SetState(FormKey(f.id()), FormState{Phase: PhaseSaving})
	ctx.NewActionWithValue(ActionApply, ApplyRequest{Form: f.id(), Update: f.update(choice)})
}
