package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/appstate"
	"github.com/waprivacy/waprivacy/wasm/i18n"
)

// EmbedPath is the route a third-party page embeds with /widget.js.
const EmbedPath = "/embed"

// EmbedPage is the app as a widget inside another site's page: no header,
// navigation or footer, just the connect screen until an account is linked
// and then the privacy settings. The widget passes ?lang= and ?theme=.
type EmbedPage struct {
	app.Compo
	view appstate.View
	lang i18n.Lang
}

func (p *EmbedPage) OnMount(ctx app.Context) {
	ctx.ObserveState(StateView, &p.view)
	query := ctx.Page().URL().Query()
	p.lang = browserLang()
	if asked := i18n.Match([]string{query.Get("lang")}); query.Get("lang") != "" && asked.Valid() {
		p.lang = asked
	}
	setDocumentLang(p.lang)
	if theme := query.Get("theme"); theme == "light" || theme == "dark" {
		app.Window().Get("document").Get("documentElement").Get("dataset").Set("theme", theme)
	}
	ctx.NewAction(ActionStart)
}

func (p *EmbedPage) Render() app.UI {
	l := p.lang
	if !l.Valid() {
		l = i18n.English
	}
	v := p.view
	var content app.UI
	switch {
	case v.Phase == appstate.PhaseStarting:
		content = app.P().ID("starting").Class("card hint").Aria("live", "polite").Text(l.T("app.starting"))
	case v.Phase != appstate.PhaseReady:
		content = app.Div() // the problem banner says it all
	case !v.Linked():
		content = &ConnectScreen{Lang: l, Status: v.Current, Accounts: v.Accounts}
	default:
		content = &PrivacySection{Lang: l, View: v}
	}
	return app.Div().ID("app").Class("app embed").DataSet("phase", string(v.Phase)).Body(
		app.If(testBuild, func() app.UI { return &EmulatorBanner{Lang: l} }),
		&ProblemBanner{Lang: l, Phase: v.Phase, Problem: v.Problem, StorageFull: v.StorageFull},
		app.If(v.Linked(), func() app.UI {
			return &ConnectionBanner{Lang: l, Status: v.Current, Live: v.Live, HasPrivacy: v.HasPrivacy, KnownAt: v.KnownAt}
		}),
		app.If(v.Linked() && v.Host != "", func() app.UI {
			return &SiteConsentCard{Lang: l, Origin: v.Host, Access: v.HostAccess()}
		}),
		app.Main().ID("content").Class("content").TabIndex(-1).Body(content),
	)
}
