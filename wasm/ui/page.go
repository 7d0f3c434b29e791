package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/appstate"
	"github.com/waprivacy/waprivacy/wasm/i18n"
)

// Sections of the app, by path.
const (
	SectionPrivacy  = "/"
	SectionPresets  = "/presets"
	SectionBlocked  = "/blocked"
	SectionHistory  = "/history"
	SectionAccounts = "/accounts"
)

// Sections lists every section's path, for routing.
func Sections() []string {
	return []string{SectionPrivacy, SectionPresets, SectionBlocked, SectionHistory, SectionAccounts}
}

// Page is the root of every route: the header, the banners, and the
// section the path names, or the connect screen while no account is
// linked.
type Page struct {
	app.Compo
	view    appstate.View
	lang    i18n.Lang
	path    string
	updated bool
}

func (p *Page) OnPreRender(ctx app.Context) { p.path = ctx.Page().URL().Path }

func (p *Page) OnNav(ctx app.Context) { p.path = ctx.Page().URL().Path }

func (p *Page) OnMount(ctx app.Context) {
	ctx.ObserveState(StateView, &p.view)
	ctx.ObserveState(StateLang, &p.lang).OnChange(func() { setDocumentLang(p.lang) })
	if !p.lang.Valid() {
		p.lang = browserLang()
		ctx.SetState(StateLang, p.lang).Persist()
	}
	setDocumentLang(p.lang)
	p.updated = ctx.AppUpdateAvailable()
	ctx.NewAction(ActionStart)
	// For the speed checks: the app answers from here on.
	app.Window().Get("performance").Call("mark", "waprivacy-interactive")
}

func (p *Page) OnAppUpdate(ctx app.Context) { p.updated = ctx.AppUpdateAvailable() }

func (p *Page) section() string {
	path := "/" + strings.Trim(p.path, "/")
	for _, s := range Sections() {
		if s == path {
			return s
		}
	}
	return SectionPrivacy
}

func (p *Page) Render() app.UI {
	l := p.lang
	if !l.Valid() {
		l = i18n.English
	}
	v := p.view
	linked := v.Linked()
	return app.Div().ID("app").Class("app").DataSet("phase", string(v.Phase)).Body(
		app.A().Class("skip-link").Href("#content").Text(l.T("app.skip")),
		app.If(testBuild, func() app.UI { return &EmulatorBanner{Lang: l} }),
		&AppHeader{Lang: l, Accounts: v.Accounts, Current: v.Current.Account},
		app.If(p.updated, func() app.UI { return &UpdateBanner{Lang: l} }),
		&ProblemBanner{Lang: l, Phase: v.Phase, Problem: v.Problem, StorageFull: v.StorageFull},
		app.If(linked, func() app.UI {
			return app.Div().Body(
				&ConnectionBanner{Lang: l, Status: v.Current, Live: v.Live, HasPrivacy: v.HasPrivacy, KnownAt: v.KnownAt,
					Starting: v.Phase == appstate.PhaseStarting},
				&NoticeBanner{Lang: l, Notice: v.Notice, Contacts: v.Privacy.Contacts},
				&QueueList{Lang: l, Queue: v.Queue, Connected: v.Connected(), Contacts: v.Privacy.Contacts},
				&NavBar{Lang: l, Active: p.section()},
			)
		}),
		app.Main().ID("content").Class("content").TabIndex(-1).Body(
			p.content(l, v),
		),
		app.Footer().Class("footer").Body(
			app.P().Text(l.T("app.footer")),
		),
	)
}

func (p *Page) content(l i18n.Lang, v appstate.View) app.UI {
	switch {
	case v.Phase == appstate.PhaseStarting && v.HasPrivacy && p.section() == SectionPrivacy:
		return &GlanceSection{Lang: l, Snapshot: v.Privacy}
	case v.Phase == appstate.PhaseStarting:
		return app.P().ID("starting").Class("card hint").Aria("live", "polite").Text(l.T("app.starting"))
	case v.Phase != appstate.PhaseReady:
		return app.Div() // the problem banner says it all
	case !v.Linked():
		return &ConnectScreen{Lang: l, Status: v.Current, Accounts: v.Accounts}
	}
	switch p.section() {
	case SectionPresets:
		return &PresetsSection{Lang: l, Snapshot: v.Privacy, HasPrivacy: v.HasPrivacy}
	case SectionBlocked:
		return &BlockedSection{Lang: l, Blocked: v.Privacy.Blocked, Contacts: v.Privacy.Contacts, HasPrivacy: v.HasPrivacy}
	case SectionHistory:
		return &HistorySection{Lang: l, Entries: v.History, Contacts: v.Privacy.Contacts}
	case SectionAccounts:
		return &AccountsSection{Lang: l, Accounts: v.Accounts, Current: v.Current.Account, Sites: v.Sites, Phone: v.Current.Phone}
	}
	return &PrivacySection{Lang: l, View: v}
}

// browserLang is the language the browser prefers.
func browserLang() i18n.Lang {
	nav := app.Window().Get("navigator")
	var tags []string
	if langs := nav.Get("languages"); langs.Truthy() {
		for i := 0; i < langs.Length(); i++ {
			tags = append(tags, langs.Index(i).String())
		}
	}
	if lang := nav.Get("language"); lang.Truthy() {
		tags = append(tags, lang.String())
	}
	return i18n.Match(tags)
}

// setDocumentLang tells screen readers and the browser which language the
// page is in.
func setDocumentLang(l i18n.Lang) {
	if l.Valid() {
		app.Window().Get("document").Get("documentElement").Set("lang", string(l))
	}
}
