package emulator

import (
	"fmt"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// maxListChange bounds the users in one except-list change.
const maxListChange = 1000

// readLists answers <privacy><list name="last" value="contact_blacklist"/></privacy>
// with each list's users and dhash, in phone-number addressing (protocol.md §5.3).
func (c *conn) readLists(lists []waBinary.Node) ([]waBinary.Node, error) {
	names := make([]string, len(lists))
	for i, l := range lists {
		names[i] = l.AttrGetter().OptionalString("name")
		if cat, ok := findCategory(names[i]); l.Tag != "list" || !ok || !cat.hasList {
			return nil, badRequest("<%s name=%q> is not an except list", l.Tag, names[i])
		}
	}
	var out []waBinary.Node
	err := c.srv.world.readAsDevice(c.device, func(acc *account, _ *device) error {
		for _, name := range names {
			list := acc.Disallowed[name]
			users := make([]waBinary.Node, len(list.Users))
			for i, u := range list.Users {
				users[i] = waBinary.Node{Tag: "user", Attrs: waBinary.Attrs{"jid": types.NewJID(u, types.DefaultUserServer)}}
			}
			n := waBinary.Node{Tag: "list", Attrs: waBinary.Attrs{"name": name, "value": "contact_blacklist", "dhash": list.DHash}}
			if len(users) > 0 {
				n.Content = users
			}
			out = append(out, n)
		}
		return nil
	})
	return []waBinary.Node{{Tag: "privacy", Content: out}}, err
}

// EditDisallowed is an except-list change made on the phone of phone. The
// list's dhash rotates if it changed, and the companions are told to re-read it.
func (s *Server) EditDisallowed(phone, category string, add, remove []string) error {
	if !validPhone(phone) {
		return errPhone
	}
	if cat, ok := findCategory(category); !ok || !cat.hasList {
		return fmt.Errorf("%w: %q has no except list (last, profile, status and groupadd do)", ErrInvalid, category)
	}
	if len(add)+len(remove) == 0 {
		return fmt.Errorf("%w: nothing to add or remove", ErrInvalid)
	}
	if len(add)+len(remove) > maxListChange {
		return fmt.Errorf("%w: more than %d users in one change", ErrInvalid, maxListChange)
	}
	for _, u := range append(append([]string{}, add...), remove...) {
		if !validPhone(u) {
			return fmt.Errorf("%w: %q is not a phone number (7 to 15 digits, no leading 0)", ErrInvalid, u)
		}
	}
	if hasOverlap(add, remove) {
		return fmt.Errorf("%w: a number is both added and removed", ErrInvalid)
	}
	return s.world.update(phone, func(acc *account) error {
		list := acc.Disallowed[category]
		if !list.applyDelta(add, remove) {
			return nil
		}
		list.DHash = acc.nextHash()
		// WA Web re-reads a list when its category is pushed (protocol.md §5.7).
		s.pushAccountSync(acc, nil, waBinary.Node{Tag: "privacy", Content: []waBinary.Node{
			categoryNode(category, acc.Privacy[category], list.DHash),
		}})
		return nil
	})
}
