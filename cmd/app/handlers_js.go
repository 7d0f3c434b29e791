//go:build js

package main

import (
	"context"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/appstate"
	"github.com/waprivacy/waprivacy/wasm/crash"
	"github.com/waprivacy/waprivacy/wasm/privacy"
	"github.com/waprivacy/waprivacy/wasm/siteaccess"
	"github.com/waprivacy/waprivacy/wasm/ui"
)

// Action handlers: each does the I/O a component asked for, through the
// core, and answers by setting the form's state. go-app runs each on its
// own goroutine, so they may block; a panic there is recovered and shown
// over the page (crash), since it would otherwise stop the program.

// requestTimeout bounds one person's request: the engine's own timeout
// per WhatsApp request is 20 s, and an update with a rollback takes two.
const requestTimeout = 60 * time.Second

func registerHandlers() {
	on(ui.ActionStart, start)
	on(ui.ActionApply, handle(func(ctx context.Context, r ui.ApplyRequest) (string, ui.FormState) {
		before := core.View().Privacy
		out, err := core.Apply(ctx, r.Update)
		return r.Form, changed(before, out, err)
	}))
	on(ui.ActionBlock, handle(func(ctx context.Context, r ui.BlockRequest) (string, ui.FormState) {
		before := core.View().Privacy
		out, err := core.SetBlocked(ctx, r.Phone, r.Blocked)
		return r.Form, changed(before, out, err)
	}))
	on(ui.ActionPreset, handle(func(ctx context.Context, r ui.PresetRequest) (string, ui.FormState) {
		before := core.View().Privacy
		out, err := core.ApplyPreset(ctx, r.ID)
		return r.Form, changed(before, out, err)
	}))
	on(ui.ActionUndo, handle(func(ctx context.Context, r ui.UndoRequest) (string, ui.FormState) {
		before := core.View().Privacy
		out, err := core.Undo(ctx, r.ID)
		return r.Form, changed(before, out, err)
	}))
	on(ui.ActionResolve, handle(func(ctx context.Context, r ui.ResolveRequest) (string, ui.FormState) {
		return r.Form, done(core.Resolve(ctx, r.ID, r.KeepMine))
	}))
	on(ui.ActionDiscard, handle(func(ctx context.Context, r ui.QueueRequest) (string, ui.FormState) {
		return r.Form, done(core.Discard(ctx, r.ID))
	}))
	on(ui.ActionRetryQueue, handle(func(ctx context.Context, r ui.QueueRequest) (string, ui.FormState) {
		return r.Form, done(core.RetryQueued(ctx, r.ID))
	}))
	on(ui.ActionUnlink, handle(func(ctx context.Context, r ui.AccountRequest) (string, ui.FormState) {
		return r.Form, done(core.Unlink(ctx, r.Key))
	}))
	on(ui.ActionPairPhone, handle(func(ctx context.Context, r ui.PairRequest) (string, ui.FormState) {
		code, err := core.PairPhone(ctx, r.Phone)
		s := done(err)
		s.Value = code
		return r.Form, s
	}))
	on(ui.ActionSelect, func(_ app.Context, a app.Action) {
		if key, ok := a.Value.(string); ok {
			logFailure(core.Select(key))
		}
	})
	on(ui.ActionForget, func(_ app.Context, a app.Action) {
		if key, ok := a.Value.(string); ok {
			logFailure(core.Forget(key))
		}
	})
	on(ui.ActionSiteAccess, handle(func(ctx context.Context, r ui.SiteRequest) (string, ui.FormState) {
		if r.Access == siteaccess.Undecided {
			return r.Form, done(core.WithdrawSite(ctx, r.Origin))
		}
		return r.Form, done(core.DecideSite(ctx, r.Origin, r.Access))
	}))
	on(ui.ActionLink, func(app.Context, app.Action) { logFailure(core.Link()) })
	on(ui.ActionRetry, func(app.Context, app.Action) { logFailure(core.Retry()) })
}

// on registers h for the action name, recovering a panic there.
func on(name string, h app.ActionHandler) {
	app.Handle(name, func(ctx app.Context, a app.Action) {
		defer crash.Recover("the action " + name)
		h(ctx, a)
	})
}

// handle adapts a request handler to an action handler: it checks the
// action's value, bounds the work in time, and sets the form's state.
func handle[R any](fn func(context.Context, R) (string, ui.FormState)) app.ActionHandler {
	return func(ctx app.Context, a app.Action) {
		r, ok := a.Value.(R)
		if !ok {
			app.Log("waprivacy: action", a.Name, "carries", a.Value)
			return
		}
		c, cancel := context.WithTimeout(context.Background(), requestTimeout)
		defer cancel()
		form, state := fn(c, r)
		ctx.SetState(ui.FormKey(form), state)
	}
}

// changed reports an edit's outcome: what WhatsApp confirmed, that it
// waits for the connection, or why it failed.
func changed(before privacy.Snapshot, out appstate.Outcome, err error) ui.FormState {
	switch {
	case err != nil && appstate.Unconfirmed(out.Result):
		return ui.FormState{Phase: ui.PhaseDone, Unconfirmed: true}
	case err != nil:
		return ui.FailureState(err)
	case out.Queued:
		return ui.FormState{Phase: ui.PhaseQueued}
	case out.Result.Snapshot.Settings == nil: // nothing was left to do
		return ui.FormState{Phase: ui.PhaseDone}
	}
	return ui.FormState{Phase: ui.PhaseDone, Changes: privacy.Diff(before, out.Result.Snapshot)}
}

func done(err error) ui.FormState {
	if err != nil {
		return ui.FailureState(err)
	}
	return ui.FormState{Phase: ui.PhaseDone}
}

func logFailure(err error) {
	if err != nil {
		app.Log("waprivacy:", err)
	}
}
