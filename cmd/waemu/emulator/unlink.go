package emulator

import (
	"fmt"
	"slices"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// Unlink removes a linked companion, as "Linked devices › Log out" on the
// phone does. A connected companion gets stream error 401 device_removed;
// later logins with its keys are refused.
func (s *Server) Unlink(phone string, jid types.JID) error {
	if !validPhone(phone) {
		return errPhone
	}
	if jid.User != phone || jid.Server != types.DefaultUserServer || jid.Device == 0 {
		return fmt.Errorf("%w: %s is not a companion of %s", ErrInvalid, jid, phone)
	}
	c, err := s.removeDevice(jid)
	if err != nil {
		return err
	}
	if c != nil {
		c.log.Info("companion unlinked by the phone", "device", jid)
		c.streamError("401", waBinary.Node{Tag: "conflict", Attrs: waBinary.Attrs{"type": "device_removed"}})
	}
	return nil
}

// streamError sends a fatal stream error and closes the connection after a grace period.
func (c *conn) streamError(code string, children ...waBinary.Node) {
	n := waBinary.Node{Tag: "stream:error", Attrs: waBinary.Attrs{"code": code}}
	if len(children) > 0 {
		n.Content = children
	}
	c.send(n)
	c.closeAfter(closeGrace)
}

// removeDevice forgets a device and detaches its connection, under world.mu
// so that a login cannot attach in between.
func (s *Server) removeDevice(jid types.JID) (*conn, error) {
	var c *conn
	err := s.world.update(jid.User, func(acc *account) error {
		if acc.Devices[jid.Device] == nil {
			return fmt.Errorf("%w: %s is not linked", ErrNotFound, jid)
		}
		delete(acc.Devices, jid.Device)
		c = s.live.detach(jid)
		return nil
	})
	return c, err
}

// handleRemoveCompanion is a companion logging itself out (whatsmeow Logout).
func handleRemoveCompanion(c *conn, iq *waBinary.Node) ([]waBinary.Node, error) {
	n, err := onlyChild(iq, "remove-companion-device")
	if err != nil {
		return nil, err
	}
	if jid, ok := n.Attrs["jid"].(types.JID); !ok || jid != c.device {
		return nil, badRequest("a companion may only remove itself")
	}
	if _, err := c.srv.removeDevice(c.device); err != nil {
		return nil, errNotAuthorized
	}
	c.log.Info("companion logged out", "device", c.device)
	return nil, nil
}

// deviceJIDs lists an account's companions in device order.
func deviceJIDs(acc *account) []string {
	ids := make([]uint16, 0, len(acc.Devices))
	for id := range acc.Devices {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = acc.deviceJID(id).String()
	}
	return out
}
