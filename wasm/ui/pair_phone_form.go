package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/i18n"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// PairPhoneForm asks for the phone number to link, to get the code to type
// on that phone instead of scanning.
type PairPhoneForm struct {
	app.Compo
	Lang   i18n.Lang
	OnBack func()
	phone  string
	result FormState
	local  string // a problem found before sending
}

const pairForm = "pair-phone"

func (f *PairPhoneForm) OnMount(ctx app.Context) {
	ctx.ObserveState(FormKey(pairForm), &f.result)
}

func (f *PairPhoneForm) Render() app.UI {
	l := f.Lang
	return app.Form().ID(pairForm).Class("form").OnSubmit(f.submit).Body(
		app.Label().For("pair-phone-number").Text(l.T("connect.phone.label")),
		app.P().ID("pair-phone-hint").Class("hint").Text(l.T("phone.hint")),
		app.Input().Type("tel").ID("pair-phone-number").Name("phone").Attr("autocomplete", "tel").Required(true).
			Aria("describedby", "pair-phone-hint").Value(f.phone).OnInput(f.ValueTo(&f.phone)),
		app.Div().Class("actions").Body(
			app.Button().Type("submit").Class("button").Disabled(f.result.Phase == PhaseSaving).Text(l.T("connect.phone.submit")),
			app.Button().Type("button").ID("use-qr").Class("button button-quiet").Text(l.T("connect.use-qr")).
				OnClick(func(ctx app.Context, e app.Event) { f.OnBack() }),
		),
		&FormResult{Lang: l, State: f.result, Local: f.local},
	)
}

func (f *PairPhoneForm) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	phone, err := privacy.NormalizePhone(f.phone)
	if err != nil {
		f.local = f.Lang.T("phone.invalid")
		return
	}
	f.local = ""
	ctx.SetState(FormKey(pairForm), FormState{Phase: PhaseSaving})
	ctx.NewActionWithValue(ActionPairPhone, PairRequest{Form: pairForm, Phone: phone})
}
