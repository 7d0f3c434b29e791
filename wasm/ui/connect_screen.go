package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/i18n"
	"github.com/waprivacy/waprivacy/wasm/session"
)

// ConnectScreen links a WhatsApp account: a QR code to scan, or a code to
// type on the phone, and every state in between said plainly.
type ConnectScreen struct {
	app.Compo
	Lang   i18n.Lang
	Status session.Status
	// Accounts lists every account, for a way back to linked ones.
	Accounts []session.Status
	// byPhone is set once the person chose to link with a phone number.
	byPhone bool
}

func (c *ConnectScreen) Render() app.UI {
	l, s := c.Lang, c.Status
	return app.Section().ID("connect").Class("card connect").DataSet("state", string(s.State)).
		Aria("labelledby", "connect-title").Body(
		app.H1().ID("connect-title").Text(l.T("connect.title")),
		app.Div().Aria("live", "polite").Body(c.state(l, s)),
		app.Div().Class("actions").Body(c.backButtons(l)...),
	)
}

// backButtons lead back to the linked accounts, for a person who started
// linking another one by mistake.
func (c *ConnectScreen) backButtons(l i18n.Lang) []app.UI {
	var out []app.UI
	for _, a := range c.Accounts {
		if a.Phone == "" || a.State == session.StateLoggedOut {
			continue
		}
		out = append(out, app.Button().Type("button").Class("button button-quiet").DataSet("account", a.Account).
			Text(l.F("connect.back", i18n.Phone(a.Phone))).
			OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActionSelect, a.Account) }, app.EventScope(a.Account)))
	}
	return out
}

func (c *ConnectScreen) state(l i18n.Lang, s session.Status) app.UI {
	switch s.State {
	case session.StateUnreachable:
		return app.Div().ID("connection").DataSet("state", string(s.State)).Body(
			app.H2().Text(l.T("connection.unreachable")),
			app.P().Class("hint").Body(
				app.Text(l.T("connect.unreachable.hint")+" "+l.T("connection.retrying")+" "),
				&Countdown{Lang: l, Until: s.RetryAt},
			),
			app.Button().Type("button").ID("retry").Class("button").Text(l.T("connection.retry")).
				OnClick(func(ctx app.Context, e app.Event) { ctx.NewAction(ActionRetry) }),
		)
	case session.StateCodeExpired, session.StateLoggedOut, session.StateReplaced:
		return app.Div().ID("connection").DataSet("state", string(s.State)).Body(
			app.H2().Text(l.T("connect."+string(s.State))),
			app.P().Class("hint").Text(l.T("connect."+string(s.State)+".hint")),
			app.Button().Type("button").ID("link-again").Class("button").Text(l.T("connection.link-again")).
				OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActionForget, s.Account) }, app.EventScope(s.Account)),
		)
	case session.StateOutdated:
		// Linking again would be refused the same way: only a new
		// version of the app helps, which a reload picks up.
		return app.Div().ID("connection").DataSet("state", string(s.State)).Body(
			app.H2().Text(l.T("connect.outdated")),
			app.P().Class("hint").Text(l.T("connect.outdated.hint")),
			app.Button().Type("button").ID("reload").Class("button").Text(l.T("update.reload")).
				OnClick(func(ctx app.Context, e app.Event) { ctx.Reload() }),
		)
	case session.StateWaitingScan:
		if s.PairingCode != "" {
			return c.code(l, s)
		}
		if c.byPhone {
			return &PairPhoneForm{Lang: l, OnBack: func() { c.byPhone = false }}
		}
		return c.qr(l, s)
	}
	return app.Div().ID("connection").DataSet("state", string(s.State)).Body(
		app.H2().Text(l.T("connection.connecting")),
		app.P().Class("hint").Text(l.T("connect.connecting.hint")),
	)
}

func (c *ConnectScreen) qr(l i18n.Lang, s session.Status) app.UI {
	return app.Div().ID("connection").Class("connect-qr").DataSet("state", string(s.State)).Body(
		app.Ol().Class("steps").Body(
			app.Li().Text(l.T("connect.step1")),
			app.Li().Text(l.T("connect.step2")),
			app.Li().Text(l.T("connect.step3")),
			app.Li().Text(l.T("connect.step4")),
		),
		app.Figure().Class("qr-figure").Body(
			&QRCode{Text: s.QRCode, Label: l.T("connect.qr.label")},
			app.FigCaption().Class("hint").Body(
				app.Text(l.T("connect.qr.changes")+" "),
				&Countdown{Lang: l, Until: s.QRExpires},
			),
		),
		app.Button().Type("button").ID("use-phone").Class("button button-quiet").Text(l.T("connect.use-phone")).
			OnClick(func(ctx app.Context, e app.Event) { c.byPhone = true }),
	)
}

func (c *ConnectScreen) code(l i18n.Lang, s session.Status) app.UI {
	return app.Div().ID("connection").Class("connect-code").DataSet("state", string(s.State)).Body(
		app.P().Text(l.T("connect.code.intro")),
		app.P().ID("pairing-code").Class("pairing-code").Aria("label", l.T("connect.code.label")).Text(s.PairingCode),
		app.Ol().Class("steps").Body(
			app.Li().Text(l.T("connect.step1")),
			app.Li().Text(l.T("connect.step2")),
			app.Li().Text(l.T("connect.code.step3")),
			app.Li().Text(l.T("connect.code.step4")),
		),
	)
}
