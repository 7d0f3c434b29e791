package emulator

import (
	waBinary "go.mau.fi/whatsmeow/binary"
)

// handleStatus answers the status (stories) audience query. Changing the
// audience is an app-state mutation in WhatsApp, not an IQ, so the emulator
// keeps it read-only at WhatsApp's default, "my contacts" (protocol.md §5.6).
func handleStatus(c *conn, iq *waBinary.Node) ([]waBinary.Node, error) {
	if _, err := onlyChild(iq, "privacy"); err != nil || iq.AttrGetter().OptionalString("type") != "get" {
		return c.unhandled(iq)
	}
	return []waBinary.Node{{Tag: "privacy", Content: []waBinary.Node{
		{Tag: "list", Attrs: waBinary.Attrs{"type": "contacts", "default": "true"}},
	}}}, nil
}
