package ui

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/waprivacy/waprivacy/wasm/session"
)

// ConnectionStatus tells the person how the link to WhatsApp stands and what
// to do next.
type ConnectionStatus struct {
	app.Compo
	Status session.Status
}

func (c *ConnectionStatus) Render() app.UI {
	state := c.Status.State
	if state == "" {
		state = session.StateConnecting
	}
	title, hint := describe(c.Status)
	return app.Section().
		Class("card status").
		ID("connection").
		DataSet("state", string(state)).
		Aria("live", "polite").
		Body(
			app.H2().Text(title),
			app.P().Class("hint").Text(hint),
			app.If(c.Status.QRCode != "", func() app.UI {
				return app.Pre().Class("qr-text").ID("qr-text").Text(c.Status.QRCode)
			}),
		)
}

// describe words a status for people: what is happening and what to do.
func describe(s session.Status) (title, hint string) {
	switch s.State {
	case session.StateWaitingScan:
		left := time.Until(s.QRExpires).Round(time.Second)
		return "Link your phone", "On your phone open WhatsApp › Settings › Linked devices › Link a device. " +
			"This code changes in " + left.String() + "."
	case session.StateConnected:
		return "Connected", "Your account is linked."
	case session.StateUnreachable:
		return "WhatsApp is unreachable", "Check your connection; retrying shortly. (" + s.Detail + ")"
	case session.StateLoggedOut:
		return "Logged out", "This device was unlinked from your phone (" + s.Detail + "). Reload to link again."
	default:
		return "Connecting…", "Reaching WhatsApp through the relay."
	}
}
