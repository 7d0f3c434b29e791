package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/api"
	"github.com/waprivacy/waprivacy/wasm/i18n"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// BlockedSection lists blocked contacts, by number or, for those whose
// number WhatsApp hides, by username or name; blocks one by phone number;
// and unblocks any.
type BlockedSection struct {
	app.Compo
	Lang    i18n.Lang
	Blocked []string
	// Contacts names the entries without a number (privacy.Snapshot's).
	Contacts   map[string]privacy.Contact
	HasPrivacy bool
	phone      string
	local      string
	last       api.Request
	result     FormState
}

const blockedForm = "blocked"

func (s *BlockedSection) OnMount(ctx app.Context) {
	ctx.ObserveState(FormKey(blockedForm), &s.result).OnChange(func() {
		if s.result.Phase == PhaseDone || s.result.Phase == PhaseQueued {
			s.phone = ""
			clearInput("blocked-phone")
		}
	})
}

func (s *BlockedSection) Render() app.UI {
	l := s.Lang
	saving := s.result.Phase == PhaseSaving
	req := s.last
	if phone, err := privacy.NormalizePhone(s.phone); err == nil {
		req = api.BlockRequest(phone, true)
	}
	if req.Path == "" {
		req = api.BlockRequest("5511988887777", true)
	}
	return app.Section().ID("blocked").Class("card").Aria("labelledby", "blocked-title").Body(
		app.H1().ID("blocked-title").Text(l.T("blocked.title")),
		app.P().Class("lede").Text(l.T("blocked.intro")),
		app.If(!s.HasPrivacy, func() app.UI { return app.P().Class("hint").Text(l.T("privacy.loading")) }).
			ElseIf(len(s.Blocked) == 0, func() app.UI { return app.P().Class("hint empty").Text(l.T("blocked.empty")) }).
			Else(func() app.UI {
				return app.Ul().ID("blocked-list").Class("phone-list").Body(
					app.Range(s.Blocked).Slice(func(i int) app.UI {
						p := s.Blocked[i]
						name := privacy.Snapshot{Contacts: s.Contacts}.Label(p)
						return app.Li().DataSet("phone", p).Body(
							&ListEntry{Lang: l, Entry: p, Label: name},
							app.Button().Type("button").Class("button button-quiet").DataSet("phone", p).
								Aria("label", l.F("blocked.unblock.label", name)).Disabled(saving).
								Text(l.T("blocked.unblock")).OnClick(func(ctx app.Context, _ app.Event) { s.send(ctx, p, false) }, app.EventScope(p)),
						)
					}),
				)
			}),
		app.Form().Class("form form-inline").OnSubmit(s.block).Body(
			app.Label().For("blocked-phone").Text(l.T("blocked.add.label")),
			app.Div().Class("input-row").Body(
				app.Input().Type("tel").ID("blocked-phone").Name("phone").Attr("autocomplete", "tel").
					Aria("describedby", "blocked-phone-hint").Value(s.phone).OnInput(s.ValueTo(&s.phone)),
				app.Button().Type("submit").Class("button").Disabled(saving).Text(l.T("blocked.block")),
			),
			app.P().ID("blocked-phone-hint").Class("hint").Text(l.T("phone.hint")),
		),
		&FormResult{Lang: l, State: s.result, Local: s.local, Contacts: s.Contacts},
		&RequestView{Lang: l, ID: "blocked-request", Request: req, OK: true},
	)
}

func (s *BlockedSection) block(ctx app.Context, e app.Event) {
	e.PreventDefault()
	phone, err := privacy.NormalizePhone(s.phone)
	if err != nil {
		s.local = s.Lang.T("phone.invalid")
		return
	}
	s.send(ctx, phone, true)
}

func (s *BlockedSection) send(ctx app.Context, phone string, blocked bool) {
	s.local = ""
	s.last = api.BlockRequest(phone, blocked)
	ctx.SetState(FormKey(blockedForm), FormState{Phase: PhaseSaving})
	ctx.NewActionWithValue(ActionBlock, BlockRequest{Form: blockedForm, Phone: phone, Blocked: blocked})
}
