package main

import (
	"context"
	"sync/atomic"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/waprivacy/waprivacy/wasm/session"
	"github.com/waprivacy/waprivacy/wasm/storage"
	"github.com/waprivacy/waprivacy/wasm/ui"
)

// sessionStarted keeps one WhatsApp session per page, however often the
// home page mounts.
var sessionStarted atomic.Bool

// startSession runs the WhatsApp session for the page's lifetime and
// publishes its status. go-app runs global handlers on their own goroutine,
// so blocking here is fine.
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
	session.Run(context.Background(), container.NewDevice(), session.Options{}, publish)
}
