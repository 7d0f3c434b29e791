package ui

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/i18n"
	"github.com/waprivacy/waprivacy/wasm/session"
)

// ConnectionBanner tells how the link to WhatsApp of a linked account
// stands, what to do about it, and whether the settings shown are live or
// the last ones known.
type ConnectionBanner struct {
	app.Compo
	Lang       i18n.Lang
	Status     session.Status
	Live       bool
	HasPrivacy bool
	KnownAt    time.Time
	// Starting says the page is still opening its database and shows
	// the settings kept from its last start.
	Starting bool
}

func (b *ConnectionBanner) Render() app.UI {
	l, s := b.Lang, b.Status
	kind := "banner-info"
	var title string
	var body []app.UI
	switch s.State {
	case session.StateConnected:
		kind, title = "banner-ok", l.F("connection.connected", i18n.Phone(s.Phone))
	case session.StateUnreachable:
		kind, title = "banner-warn", l.T("connection.unreachable")
		body = append(body,
			app.P().Class("hint").Body(
				app.Text(l.T("connection.retrying")+" "),
				&Countdown{Lang: l, Until: s.RetryAt},
			),
			app.Button().Type("button").ID("retry").Class("button").Text(l.T("connection.retry")).
				OnClick(func(ctx app.Context, e app.Event) { ctx.NewAction(ActionRetry) }),
		)
	case session.StateReplaced:
		kind, title = "banner-warn", l.T("connection.replaced")
		body = append(body,
			app.P().Class("hint").Text(l.T("connection.replaced.hint")),
			app.Button().Type("button").Class("button").Text(l.T("update.reload")).
				OnClick(func(ctx app.Context, e app.Event) { ctx.Reload() }),
		)
	case session.StateOutdated:
		// It does not reconnect: only a redeployed app helps, which a
		// reload picks up.
		kind, title = "banner-warn", l.T("connection.outdated")
		body = append(body,
			app.P().Class("hint").Text(l.T("connection.outdated.hint")),
			app.Button().Type("button").ID("reload").Class("button").Text(l.T("update.reload")).
				OnClick(func(ctx app.Context, e app.Event) { ctx.Reload() }),
		)
	default:
		title = l.T("connection.connecting")
		if b.Starting {
			title = l.T("app.starting")
		}
	}
	if b.HasPrivacy && !b.Live {
		// Connected but not live: WhatsApp has not answered a read since
		// the connection came back, so "offline" would be wrong.
		note, hint := "offline.title", "offline.hint"
		switch {
		case b.Starting:
			note, hint = "unconfirmed.title", "glance.hint"
		case s.State == session.StateConnected:
			note, hint = "unconfirmed.title", "unconfirmed.hint"
		}
		body = append(body, app.P().ID("offline").Class("offline-note").Body(
			app.Strong().Text(l.T(note)+" "),
			app.Text(l.F(hint, formatTime(l, b.KnownAt))),
		))
	}
	return app.Section().ID("connection").Class("banner "+kind).DataSet("state", string(s.State)).
		Aria("live", "polite").Body(
		app.P().Class("banner-title").Body(app.Strong().Text(title)),
		app.Div().Body(body...),
	)
}

// formatTime writes a moment in the person's time zone, day first in
// Portuguese.
func formatTime(l i18n.Lang, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Local().Format(l.T("time.layout"))
}
