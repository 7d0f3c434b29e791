package emulator

import (
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// handleBlocklist serves blocklist get and set. Both replies carry the full
// <list>, which whatsmeow requires (protocol.md §5.4).
func handleBlocklist(c *conn, iq *waBinary.Node) ([]waBinary.Node, error) {
	if iq.AttrGetter().OptionalString("type") == "get" {
		var list waBinary.Node
		err := c.srv.world.readAsDevice(c.device, func(acc *account, _ *device) error {
			list = blocklistNode(acc)
			return nil
		})
		return []waBinary.Node{list}, err
	}
	type change struct{ phone, action string }
	var changes []change
	for _, item := range iq.GetChildren() {
		if item.Tag != "item" {
			return nil, badRequest("<%s> in a blocklist set", item.Tag)
		}
		phone, err := userPhone(item)
		if err != nil {
			return nil, err
		}
		action := item.AttrGetter().OptionalString("action")
		if action != "block" && action != "unblock" {
			return nil, badRequest("blocklist action %q", action)
		}
		if phone == c.device.User {
			return nil, badRequest("an account cannot block itself")
		}
		changes = append(changes, change{phone, action})
	}
	if len(changes) == 0 {
		return nil, badRequest("blocklist set without items")
	}
	var list waBinary.Node
	err := c.srv.world.updateAsDevice(c.device, func(acc *account, _ *device) error {
		bl := &acc.Blocklist
		prev := bl.DHash
		var items []waBinary.Node
		for _, ch := range changes {
			var changed bool
			if ch.action == "block" {
				changed = bl.applyDelta([]string{ch.phone}, nil)
			} else {
				changed = bl.applyDelta(nil, []string{ch.phone})
			}
			if changed {
				items = append(items, waBinary.Node{Tag: "item", Attrs: waBinary.Attrs{"jid": types.NewJID(ch.phone, types.DefaultUserServer), "action": ch.action}})
			}
		}
		if len(items) > 0 {
			bl.DHash = acc.nextHash()
			c.srv.pushAccountSync(acc, c, waBinary.Node{
				Tag: "blocklist", Attrs: waBinary.Attrs{"dhash": bl.DHash, "prev_dhash": prev}, Content: items,
			})
		}
		list = blocklistNode(acc)
		list.Attrs["matched"] = "false"
		return nil
	})
	return []waBinary.Node{list}, err
}

func blocklistNode(acc *account) waBinary.Node {
	items := make([]waBinary.Node, len(acc.Blocklist.Users))
	for i, u := range acc.Blocklist.Users {
		items[i] = waBinary.Node{Tag: "item", Attrs: waBinary.Attrs{"jid": types.NewJID(u, types.DefaultUserServer)}}
	}
	n := waBinary.Node{Tag: "list", Attrs: waBinary.Attrs{"dhash": acc.Blocklist.DHash}}
	if len(items) > 0 {
		n.Content = items
	}
	return n
}
