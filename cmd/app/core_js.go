//go:build js

package main

import (
	"context"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/appstate"
	"github.com/waprivacy/waprivacy/wasm/crash"
	"github.com/waprivacy/waprivacy/wasm/jsapi"
	"github.com/waprivacy/waprivacy/wasm/session"
	"github.com/waprivacy/waprivacy/wasm/siteaccess"
	"github.com/waprivacy/waprivacy/wasm/ui"
	"github.com/waprivacy/waprivacy/wasm/waversion"
)

// core is the page's state, the composition root: one per page, whatever
// the route. Its views reach the components through go-app's state
// (ui.StateView); its methods are called from the action handlers.
//
// For the JavaScript API and the /embed route (issue 6): once started,
// core.Manager() is the page's session manager and core.CurrentAccount
// names the account on screen, which is what jsapi.NewBackend takes (see
// start); the backend's Do answers Z-API/RyzeAPI requests for that
// account through wasm/api, and its Subscribe delivers "connection" and
// "privacy" events. core.Subscribe gives the UI's whole view.
var core = appstate.New(appstate.Options{
	Mark: func(step string) { mark("core-" + step) },
	Session: session.Options{
		// A person is waiting: retry within half a minute at worst, and
		// the page has a "Retry now" button.
		Backoff:       session.Backoff{Min: time.Second, Max: 30 * time.Second, Jitter: 0.2},
		BeforeConnect: func(ctx context.Context) { version.Wait(ctx) },
	},
})

// version is the WhatsApp Web version the proxy learned, fetched while
// storage opens; connections wait for it, since WhatsApp refuses an
// outdated one.
var version *waversion.Learner

// versionWait bounds how long start-up waits for the proxy's answer
// before connecting with the version this build carries.
const versionWait = 5 * time.Second

// updateCheck is how often the app asks for a new version.
const updateCheck = 30 * time.Minute

// starting runs start once per page and then checks for updates.
var starting = pageStart{every: updateCheck, tick: app.TryUpdate}

// start runs the page's state and publishes its views, once per page,
// however often the root component mounts. go-app runs it on its own
// goroutine, so blocking on IndexedDB here is fine.
func start(ctx app.Context, _ app.Action) {
	defer crash.Recover("the page's start")
	starting.run(func() error { return startPage(ctx) })
}

func startPage(ctx app.Context) error {
	var persisted, shown, confirmed bool
	var keeper glanceKeeper
	glance, hasGlance := loadGlance()
	if hasGlance {
		keeper.stored = &glance
		ctx.SetState(ui.StateView, glance.View())
		mark("settings-glance")
	}
	core.Subscribe(func(v appstate.View) {
		if v.Phase == appstate.PhaseStarting && hasGlance {
			return // the glance stays until the database is open
		}
		ctx.SetState(ui.StateView, v)
		keeper.follow(v)
		if !persisted && v.Connected() {
			persisted = true
			mark("connected")
			askPersistentStorage()
		}
		if !shown && v.HasPrivacy {
			shown = true
			mark("settings-known")
		}
		if !confirmed && v.HasPrivacy && v.Live {
			confirmed = true
			mark("settings-live")
		}
	})
	versionCtx, cancel := context.WithTimeout(context.Background(), versionWait)
	defer cancel()
	page := app.Window().URL()
	version = waversion.Learn(versionCtx, nil, page.Scheme+"://"+page.Host+"/wa-version")
	crash.Go("learning the WhatsApp Web version", func() {
		version.Wait(versionCtx)
		if v, err := version.Result(); err != nil {
			app.Log("waprivacy: connecting as WhatsApp Web", v.String(), "(this build's own):", err)
		}
	})
	embedded := page.Path == ui.EmbedPath
	// Inside the widget's iframe the host page may use the app once the
	// proxy confirms it may embed it.
	policy := &jsapi.ServerPolicy{URL: "/embed/allowed"}
	if err := core.Start(context.Background()); err != nil {
		app.Log("waprivacy: starting:", err)
		if embedded {
			// The host is told why at once, rather than guessing at
			// its allowlist after its timeout.
			jsapi.ServeEmbedFailure(policy, err.Error())
		}
		return err
	}
	// window.waprivacy: the Z-API/RyzeAPI API and events of the
	// account on screen, for the page's own scripts.
	backend := jsapi.NewBackend(core.Manager(), core.CurrentAccount)
	jsapi.Install("waprivacy", backend)
	mark("api-ready")
	// Inside the widget's iframe, the same API for the host page.
	if embedded {
		jsapi.ServeEmbed(backend, pageConsent{core}, policy)
	}
	return nil
}

// pageConsent is what the person decided, on the embed page's consent
// card, about the site that embeds it.
type pageConsent struct{ core *appstate.Core }

func (p pageConsent) Greeted(origin string) {
	if err := p.core.SetHost(origin); err != nil {
		app.Log("waprivacy: the host page's origin:", err)
	}
}

func (p pageConsent) Access(origin string) siteaccess.Access { return p.core.View().SiteAccess(origin) }

func (p pageConsent) OnChange(fn func()) (cancel func()) {
	return p.core.Subscribe(func(appstate.View) { fn() })
}

// mark puts a step of the page's start on its performance timeline, as
// "waprivacy-"+step, for the speed checks and the browser's own tools.
func mark(step string) {
	defer func() { recover() }() // a page without the User Timing API
	app.Window().Get("performance").Call("mark", "waprivacy-"+step)
}

// askPersistentStorage asks the browser not to evict the linked session
// when space runs low: without it, storage is "best-effort" and the
// browser may delete the origin's IndexedDB under storage pressure, while
// browsers grant persistence to installed apps and to sites in use. The
// answer does not matter, and an exception (a sandboxed frame) is only
// logged.
func askPersistentStorage() {
	defer func() {
		if r := recover(); r != nil {
			app.Log("waprivacy: asking for persistent storage:", r)
		}
	}()
	if storage := app.Window().Get("navigator").Get("storage"); storage.Truthy() && storage.Get("persist").Truthy() {
		storage.Call("persist")
	}
}
