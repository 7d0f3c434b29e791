package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/i18n"
	"github.com/waprivacy/waprivacy/wasm/siteaccess"
)

// SitesList, on the Accounts screen, lists the sites that embed the
// widget and what the person let each do with the account on screen, each
// with a button that withdraws it.
type SitesList struct {
	app.Compo
	Lang   i18n.Lang
	Phone  string
	Sites  []siteaccess.Grant
	result FormState
}

const sitesForm = "sites"

func (s *SitesList) OnMount(ctx app.Context) {
	ctx.ObserveState(FormKey(sitesForm), &s.result)
}

func (s *SitesList) Render() app.UI {
	l := s.Lang
	saving := s.result.Phase == PhaseSaving
	return app.Div().ID("sites").Aria("labelledby", "sites-title").Body(
		app.H2().ID("sites-title").Text(l.T("sites.title")),
		app.P().Class("hint").Text(l.F("sites.intro", i18n.Phone(s.Phone))),
		app.If(len(s.Sites) == 0, func() app.UI {
			return app.P().ID("sites-none").Class("hint").Text(l.T("sites.none"))
		}).Else(func() app.UI {
			return app.Ul().Class("sites").Body(
				app.Range(s.Sites).Slice(func(i int) app.UI {
					g := s.Sites[i]
					return app.Li().DataSet("origin", g.Origin).DataSet("access", string(g.Access)).Body(
						app.P().Body(
							app.Span().Class("origin").Text(g.Origin),
							app.Span().Class("tag").Text(l.T("sites.access."+string(g.Access))),
						),
						app.Button().Type("button").Class("button button-quiet").DataSet("do", "withdraw").
							Disabled(saving).Aria("label", l.F("sites.withdraw.label", g.Origin)).
							Text(l.T("sites.withdraw")).OnClick(func(ctx app.Context, _ app.Event) {
							ctx.SetState(FormKey(sitesForm), FormState{Phase: PhaseSaving})
							ctx.NewActionWithValue(ActionSiteAccess, SiteRequest{Form: sitesForm, Origin: g.Origin})
						}, app.EventScope(g.Origin)),
					)
				}),
			)
		}),
		&FormResult{Lang: l, State: s.result, Done: l.T("sites.withdrawn")},
	)
}
