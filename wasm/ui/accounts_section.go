package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/i18n"
	"github.com/waprivacy/waprivacy/wasm/session"
	"github.com/waprivacy/waprivacy/wasm/siteaccess"
)

// AccountsSection lists the linked accounts: show one, unlink one, or
// link another; and the sites with access to the one on screen.
type AccountsSection struct {
	app.Compo
	Lang     i18n.Lang
	Accounts []session.Status
	Current  string
	// Sites are the decisions about the account on screen, whose number
	// is Phone.
	Sites   []siteaccess.Grant
	Phone   string
	confirm string // the account whose unlinking awaits confirmation
	result  FormState
}

const accountsForm = "accounts"

func (s *AccountsSection) OnMount(ctx app.Context) {
	ctx.ObserveState(FormKey(accountsForm), &s.result)
}

func (s *AccountsSection) Render() app.UI {
	l := s.Lang
	var linked []session.Status
	for _, a := range s.Accounts {
		if a.Phone != "" {
			linked = append(linked, a)
		}
	}
	saving := s.result.Phase == PhaseSaving
	return app.Section().ID("accounts").Class("card").Aria("labelledby", "accounts-title").Body(
		app.H1().ID("accounts-title").Text(l.T("accounts.title")),
		app.P().Class("lede").Text(l.T("accounts.intro")),
		app.Ul().Class("accounts").Body(
			app.Range(linked).Slice(func(i int) app.UI {
				a := linked[i]
				current := a.Account == s.Current
				return app.Li().DataSet("account", a.Account).DataSet("state", string(a.State)).Body(
					app.P().Body(
						app.Span().Class("phone").Text(i18n.Phone(a.Phone)),
						app.Span().Class("tag").Text(l.T("state."+string(a.State))),
						app.If(current, func() app.UI { return app.Span().Class("tag tag-current").Text(l.T("accounts.shown")) }),
					),
					app.Div().Class("actions").Body(
						app.If(!current, func() app.UI {
							return app.Button().Type("button").Class("button button-quiet").DataSet("do", "show").
								Text(l.T("accounts.show")).OnClick(func(ctx app.Context, _ app.Event) {
								ctx.NewActionWithValue(ActionSelect, a.Account)
							}, app.EventScope(a.Account))
						}),
						app.If(s.confirm == a.Account, func() app.UI {
							return app.Span().Class("confirm").Body(
								app.Span().Role("alert").Text(l.F("accounts.unlink.confirm", i18n.Phone(a.Phone))+" "),
								app.Button().Type("button").Class("button button-danger").DataSet("do", "confirm-unlink").
									Disabled(saving).Text(l.T("accounts.unlink.yes")).OnClick(func(ctx app.Context, _ app.Event) {
									s.confirm = ""
									ctx.SetState(FormKey(accountsForm), FormState{Phase: PhaseSaving})
									ctx.NewActionWithValue(ActionUnlink, AccountRequest{Form: accountsForm, Key: a.Account})
								}, app.EventScope(a.Account)),
								app.Button().Type("button").Class("button button-quiet").Text(l.T("accounts.unlink.no")).
									OnClick(func(ctx app.Context, _ app.Event) { s.confirm = "" }),
							)
						}).Else(func() app.UI {
							return app.Button().Type("button").Class("button button-quiet").DataSet("do", "unlink").
								Disabled(saving).Aria("label", l.F("accounts.unlink.label", i18n.Phone(a.Phone))).
								Text(l.T("accounts.unlink")).OnClick(func(ctx app.Context, _ app.Event) { s.confirm = a.Account }, app.EventScope(a.Account))
						}),
					),
				)
			}),
		),
		&FormResult{Lang: l, State: s.result, Done: l.T("accounts.unlinked")},
		app.Button().Type("button").ID("link-another").Class("button").Text(l.T("accounts.link")).
			OnClick(func(ctx app.Context, _ app.Event) { ctx.NewAction(ActionLink) }),
		app.If(s.Phone != "", func() app.UI { return &SitesList{Lang: l, Phone: s.Phone, Sites: s.Sites} }),
	)
}
