package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/i18n"
	"github.com/waprivacy/waprivacy/wasm/siteaccess"
)

// SiteConsentCard, inside the widget, asks the person what the site that
// embeds it may do with the account on screen, and then says what it may,
// with a way to change the answer. The site gets nothing until they say.
type SiteConsentCard struct {
	app.Compo
	Lang   i18n.Lang
	Origin string
	Access siteaccess.Access
	result FormState
}

const consentForm = "consent"

func (c *SiteConsentCard) OnMount(ctx app.Context) {
	ctx.ObserveState(FormKey(consentForm), &c.result)
}

func (c *SiteConsentCard) Render() app.UI {
	l := c.Lang
	saving := c.result.Phase == PhaseSaving
	answer := func(id string, access siteaccess.Access, class, text string) app.UI {
		return app.Button().Type("button").ID(id).Class(class).Disabled(saving).Text(text).
			OnClick(func(ctx app.Context, _ app.Event) {
				ctx.SetState(FormKey(consentForm), FormState{Phase: PhaseSaving})
				ctx.NewActionWithValue(ActionSiteAccess, SiteRequest{Form: consentForm, Origin: c.Origin, Access: access})
			})
	}
	result := &FormResult{Lang: l, State: c.result, Done: l.T("consent.saved")}
	if c.Access == siteaccess.Undecided {
		return app.Section().ID("consent").Class("card consent").DataSet("access", "undecided").
			Aria("labelledby", "consent-title").Body(
			app.H2().ID("consent-title").Body(
				app.Text(l.T("consent.ask")+" "),
				app.Strong().Class("origin").Text(c.Origin),
			),
			app.P().Class("lede").Text(l.T("consent.why")),
			app.P().Class("hint").Text(l.T("consent.secrets")),
			app.Div().Class("actions").Body(
				answer("consent-change", siteaccess.Change, "button", l.T("consent.change")),
				answer("consent-read", siteaccess.Read, "button button-quiet", l.T("consent.read")),
				answer("consent-deny", siteaccess.Denied, "button button-quiet", l.T("consent.deny")),
			),
			result,
		)
	}
	return app.Section().ID("consent").Class("card consent consent-decided").DataSet("access", string(c.Access)).
		Aria("label", l.T("consent.label")).Body(
		app.P().Body(
			app.Strong().Class("origin").Text(c.Origin),
			app.Text(" "+l.T("consent.now."+string(c.Access))),
		),
		app.Div().Class("actions").Body(
			answer("consent-withdraw", siteaccess.Undecided, "button button-quiet", l.T("consent.withdraw")),
		),
		result,
	)
}
