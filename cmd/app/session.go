package main

import (
	"context"
	"sync/atomic"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/waprivacy/waprivacy/wasm/session"
	"github.com/waprivacy/waprivacy/wasm/storage"
	"github.com/waprivacy/waprivacy/wasm/ui"
)

// sessionStarted keeps one session manager per page, however often the
// home page mounts.
var sessionStarted atomic.Bool

// startSession runs the page's accounts and publishes the status of the one
// on screen: the first linked account, or a new link while there is none.
// go-app runs global handlers on their own goroutine, so blocking here is
// fine.
func startSession(ctx app.Context, _ app.Action) {
	if !sessionStarted.CompareAndSwap(false, true) {
		return
	}
	publish := func(s session.Status) { ctx.SetState(ui.StateSession, s) }
	container, err := storage.OpenMemory(context.Background(), "waprivacy")
	if err != nil {
		publish(session.Status{State: session.StateUnreachable, Detail: err.Error()})
		return
	}
	m := session.NewManager(context.Background(), container, session.Options{})
	// shown is the key of the account on screen; empty until there is one,
	// and then the first account to report is shown.
	var shown atomic.Value
	shown.Store("")
	m.Subscribe(func(s session.Status) {
		if key := shown.Load().(string); key == "" || s.Account == key || s.Was == key {
			shown.Store(s.Account)
			publish(s)
		}
	})
	if err := m.Start(); err != nil {
		publish(session.Status{State: session.StateUnreachable, Detail: err.Error()})
		return
	}
	if accounts := m.Accounts(); len(accounts) > 0 {
		shown.Store(accounts[0].Account)
		publish(accounts[0])
		return
	}
	m.Link()
}
