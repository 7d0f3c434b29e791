package emulator

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"math"
	"strconv"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waWa6"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"
)

// qrRefs is how many refs pair-device carries: with 6, whatsmeow shows the
// first QR for 60 s and each later one for 20 s (qrchan.go).
const qrRefs = 6

// start handles the ClientPayload that ends the handshake: a login when it
// names a user, a registration when it carries pairing data.
func (c *conn) start(payload []byte) error {
	var p waWa6.ClientPayload
	if err := proto.Unmarshal(payload, &p); err != nil {
		return err
	}
	if v, old := c.srv.outdated(&p); old {
		c.refuseOutdated(v)
		return nil
	}
	switch {
	case p.Username != nil:
		c.login(&p)
		return nil
	case p.DevicePairingData != nil:
		return c.register(p.DevicePairingData)
	}
	return errors.New("client payload neither logs in nor registers")
}

// login lets a paired companion in only if its noise static key is the one
// recorded when it paired, as the real service does (protocol.md §2).
func (c *conn) login(p *waWa6.ClientPayload) {
	phone := strconv.FormatUint(p.GetUsername(), 10)
	if p.GetDevice() > math.MaxUint16 {
		c.refuseLogin(phone, p.GetDevice())
		return
	}
	jid := types.JID{User: phone, Device: uint16(p.GetDevice()), Server: types.DefaultUserServer}
	s := c.srv
	// Check and attach under world.mu, so an unlink cannot slip in between.
	s.world.mu.Lock()
	acc := s.world.accounts[phone]
	var dev *device
	if acc != nil {
		dev = acc.Devices[jid.Device]
	}
	if dev == nil || subtle.ConstantTimeCompare(dev.NoiseKey, c.noiseKey[:]) != 1 {
		s.world.mu.Unlock()
		c.refuseLogin(phone, p.GetDevice())
		return
	}
	lid, created := acc.lidJID(jid.Device), acc.Created
	old := s.live.attach(jid, c)
	s.world.mu.Unlock()

	if old != nil {
		old.log.Info("closing connection: the same device logged in again", "device", jid)
		old.cancel()
	}
	c.device = jid
	c.log.Info("companion logged in", "device", jid)
	// whatsmeow reads only lid; the other attributes are what the real server sends.
	c.send(waBinary.Node{Tag: "success", Attrs: waBinary.Attrs{
		"t": unixNow(), "lid": lid, "props": "27", "abprops": "8", "location": "emu",
		"creation": strconv.FormatInt(created, 10),
	}})
	c.send(waBinary.Node{Tag: "ib", Content: []waBinary.Node{{Tag: "offline", Attrs: waBinary.Attrs{"count": "0"}}}})
}

func (c *conn) refuseLogin(phone string, device uint32) {
	c.log.Warn("login refused: unknown device or wrong noise key", "phone", phone, "device", device)
	c.send(failureNode("401"))
	c.phase = phaseClosing
	c.closeAfter(closeGrace)
}

// failureNode refuses a login: whatsmeow reads reason (connectionevents.go
// handleConnectFailure); location is what the real server adds.
func failureNode(reason string) waBinary.Node {
	return waBinary.Node{Tag: "failure", Attrs: waBinary.Attrs{"reason": reason, "location": "emu"}}
}

// register starts pairing a new companion: it shows QR codes made of these
// refs and can also ask for a link code.
func (c *conn) register(d *waWa6.ClientPayload_DevicePairingRegistrationData) error {
	if len(d.GetEIdent()) != 32 {
		return errors.New("registration payload lacks a 32-byte identity key")
	}
	c.identity = bytes.Clone(d.GetEIdent())
	refs := make([]string, qrRefs)
	nodes := make([]waBinary.Node, qrRefs)
	for i := range refs {
		refs[i] = newRef()
		nodes[i] = waBinary.Node{Tag: "ref", Content: []byte(refs[i])}
	}
	c.srv.live.addRefs(c, refs)
	c.log.Info("companion registering")
	c.send(waBinary.Node{
		Tag:     "iq",
		Attrs:   waBinary.Attrs{"from": types.ServerJID, "type": "set", "id": c.srv.newID(), "xmlns": "md", "t": unixNow()},
		Content: []waBinary.Node{{Tag: "pair-device", Content: nodes}},
	})
	return nil
}

// newRef makes a QR or link-code ref. Real refs look like "2@..."; it must not
// contain the QR's ',' separator.
func newRef() string {
	return "2@" + base64.RawURLEncoding.EncodeToString(randomBytes(24))
}
