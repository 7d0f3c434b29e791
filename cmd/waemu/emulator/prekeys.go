package emulator

import (
	"bytes"

	waBinary "go.mau.fi/whatsmeow/binary"
)

// maxPreKeys bounds one upload; whatsmeow's first upload is 812 keys.
const maxPreKeys = 2000

// handleEncrypt answers the prekey count query and prekey uploads that
// whatsmeow sends after <success>; Connected waits for both (protocol.md §4).
func handleEncrypt(c *conn, iq *waBinary.Node) ([]waBinary.Node, error) {
	typ := iq.AttrGetter().OptionalString("type")
	switch tag := firstChildTag(iq); {
	case typ == "get" && tag == "count":
		var n int
		err := c.srv.world.readAsDevice(c.device, func(_ *account, dev *device) error {
			n = dev.PreKeys
			return nil
		})
		return []waBinary.Node{{Tag: "count", Attrs: waBinary.Attrs{"value": n}}}, err
	case typ == "set" && tag == "registration":
		return nil, c.uploadPreKeys(iq)
	default:
		// Fetching other users' prekeys and key digests are for messaging, which the emulator does not do.
		return c.unhandled(iq)
	}
}

func (c *conn) uploadPreKeys(iq *waBinary.Node) error {
	reg := contentBytes(iq.GetChildByTag("registration"))
	keyType := contentBytes(iq.GetChildByTag("type"))
	identity := contentBytes(iq.GetChildByTag("identity"))
	listNode := iq.GetChildByTag("list")
	list := listNode.GetChildren()
	switch {
	case len(reg) != 4:
		return badRequest("registration id is %d bytes, want 4", len(reg))
	case !bytes.Equal(keyType, []byte{5}):
		return badRequest("key type %x, want 05", keyType)
	case len(list) == 0 || len(list) > maxPreKeys:
		return badRequest("%d prekeys in one upload", len(list))
	}
	for _, k := range list {
		id := contentBytes(k.GetChildByTag("id"))
		val := contentBytes(k.GetChildByTag("value"))
		if k.Tag != "key" || len(id) != 3 || len(val) != 32 {
			return badRequest("malformed prekey")
		}
	}
	return c.srv.world.updateAsDevice(c.device, func(_ *account, dev *device) error {
		if !bytes.Equal(identity, dev.IdentityKey) {
			return badRequest("prekeys signed by another identity than the paired one")
		}
		dev.PreKeys += len(list)
		return nil
	})
}
