package emulator

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// privacyCategory is one privacy setting with WhatsApp's legal values
// (shared/protocol.md §5.1, shared/anchors.md §0.5).
type privacyCategory struct {
	name    string
	label   string   // what WhatsApp's settings screen calls it
	values  []string // the first is a new account's value
	hasList bool     // has a "my contacts except…" list
}

var visibility = []string{"all", "contacts", "contact_blacklist", "none"}

var privacyCategories = []privacyCategory{
	{"last", "Last seen", visibility, true},
	{"online", "Online", []string{"all", "match_last_seen"}, false},
	{"profile", "Profile photo", visibility, true},
	{"status", "About", visibility, true}, // the About text, not status stories
	{"readreceipts", "Read receipts", []string{"all", "none"}, false},
	{"groupadd", "Groups: who can add me", []string{"all", "contacts", "contact_blacklist"}, true},
	{"calladd", "Calls: silence unknown callers", []string{"all", "known"}, false},
	{"messages", "Messages from unknown accounts", []string{"all", "contacts"}, false},
}

func findCategory(name string) (privacyCategory, bool) {
	i := slices.IndexFunc(privacyCategories, func(c privacyCategory) bool { return c.name == name })
	if i < 0 {
		return privacyCategory{}, false
	}
	return privacyCategories[i], true
}

// checkSetting reports why name=value is not a legal setting, or nil.
func checkSetting(name, value string) error {
	cat, ok := findCategory(name)
	if !ok {
		return fmt.Errorf("unknown privacy category %q", name)
	}
	if !slices.Contains(cat.values, value) {
		return fmt.Errorf("%q is not a value of %s (want %s)", value, name, strings.Join(cat.values, ", "))
	}
	return nil
}

func handlePrivacy(c *conn, iq *waBinary.Node) ([]waBinary.Node, error) {
	p, err := onlyChild(iq, "privacy")
	if err != nil {
		return nil, err
	}
	if iq.AttrGetter().OptionalString("type") == "set" {
		return c.setPrivacy(p)
	}
	if lists := p.GetChildren(); len(lists) > 0 {
		return c.readLists(lists)
	}
	var cats []waBinary.Node
	err = c.srv.world.readAsDevice(c.device, func(acc *account, _ *device) error {
		for _, cat := range privacyCategories {
			cats = append(cats, categoryNode(cat.name, acc.Privacy[cat.name], ""))
		}
		return nil
	})
	return []waBinary.Node{{Tag: "privacy", Content: cats}}, err
}

func categoryNode(name, value, dhash string) waBinary.Node {
	attrs := waBinary.Attrs{"name": name, "value": value}
	if dhash != "" {
		attrs["dhash"] = dhash
	}
	return waBinary.Node{Tag: "category", Attrs: attrs}
}

// categoryChange is one <category> of a set: a new value, and for an except
// list, user deltas that must name the list's current dhash.
type categoryChange struct {
	name, value string
	dhash       string
	delta       bool
	add, remove []string
}

func parseCategoryChange(n waBinary.Node) (categoryChange, error) {
	ag := n.AttrGetter()
	ch := categoryChange{name: ag.OptionalString("name"), value: ag.OptionalString("value"), dhash: ag.OptionalString("dhash")}
	if n.Tag != "category" {
		return ch, badRequest("<%s> in a privacy set", n.Tag)
	}
	if err := checkSetting(ch.name, ch.value); err != nil {
		return ch, badRequest("%v", err)
	}
	users := n.GetChildren()
	if len(users) == 0 {
		return ch, nil // a bare set keeps the existing list (protocol.md §5.2)
	}
	ch.delta = true
	if cat, _ := findCategory(ch.name); !cat.hasList || ch.value != "contact_blacklist" {
		return ch, badRequest("users given for %s=%s", ch.name, ch.value)
	}
	if ch.dhash == "" {
		return ch, badRequest("list change for %s without dhash", ch.name)
	}
	for _, u := range users {
		phone, err := userPhone(u)
		if err != nil {
			return ch, err
		}
		switch action := u.AttrGetter().OptionalString("action"); action {
		case "add":
			ch.add = append(ch.add, phone)
		case "remove":
			ch.remove = append(ch.remove, phone)
		default:
			return ch, badRequest("user action %q", action)
		}
	}
	if hasOverlap(ch.add, ch.remove) {
		return ch, badRequest("a user is both added to and removed from %s", ch.name)
	}
	return ch, nil
}

// userPhone reads the phone number of a <user> or <item> by its jid, which
// must be a plain phone-number JID (the emulator serves PN addressing only).
func userPhone(n waBinary.Node) (string, error) {
	jid, ok := n.Attrs["jid"].(types.JID)
	if !ok || jid.Server != types.DefaultUserServer || jid.Device != 0 || !validPhone(jid.User) {
		return "", badRequest("<%s> jid %v is not a phone number JID", n.Tag, n.Attrs["jid"])
	}
	return jid.User, nil
}

func hasOverlap(a, b []string) bool {
	return slices.ContainsFunc(a, func(x string) bool { return slices.Contains(b, x) })
}

// setPrivacy applies a companion's change. Any invalid category fails the
// whole IQ with 400 and changes nothing; a list change with a stale dhash
// fails only its own category, with 409 inside a result (protocol.md §5.3).
func (c *conn) setPrivacy(p waBinary.Node) ([]waBinary.Node, error) {
	var changes []categoryChange
	for _, n := range p.GetChildren() {
		ch, err := parseCategoryChange(n)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(changes, func(x categoryChange) bool { return x.name == ch.name }) {
			return nil, badRequest("category %s twice", ch.name)
		}
		changes = append(changes, ch)
	}
	if len(changes) == 0 {
		return nil, badRequest("privacy set without categories")
	}
	var reply, pushed []waBinary.Node
	err := c.srv.world.updateAsDevice(c.device, func(acc *account, _ *device) error {
		for _, ch := range changes {
			list := acc.Disallowed[ch.name]
			if ch.delta && ch.dhash != list.DHash {
				reply = append(reply, waBinary.Node{
					Tag:     "category",
					Attrs:   waBinary.Attrs{"name": ch.name, "value": "error"},
					Content: []waBinary.Node{{Tag: "error", Attrs: waBinary.Attrs{"code": 409, "text": "conflict"}}},
				})
				continue
			}
			acc.Privacy[ch.name] = ch.value
			dhash := ""
			if list != nil {
				if list.applyDelta(ch.add, ch.remove) {
					list.DHash = acc.nextHash()
				}
				if ch.value == "contact_blacklist" {
					dhash = list.DHash
				}
			}
			node := categoryNode(ch.name, ch.value, dhash)
			reply = append(reply, node)
			pushed = append(pushed, node)
		}
		if len(pushed) > 0 {
			c.srv.pushAccountSync(acc, c, waBinary.Node{Tag: "privacy", Content: pushed})
		}
		return nil
	})
	return []waBinary.Node{{Tag: "privacy", Content: reply}}, err
}

// SetPrivacy is a change made on the phone of phone: every category is
// validated first, then all are applied and pushed to the linked companions.
func (s *Server) SetPrivacy(phone string, settings map[string]string) error {
	if !validPhone(phone) {
		return errPhone
	}
	if len(settings) == 0 {
		return fmt.Errorf("%w: no privacy category given", ErrInvalid)
	}
	names := slices.Sorted(maps.Keys(settings))
	for _, name := range names {
		if err := checkSetting(name, settings[name]); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	return s.world.update(phone, func(acc *account) error {
		var nodes []waBinary.Node
		for _, name := range names {
			acc.Privacy[name] = settings[name]
			nodes = append(nodes, categoryNode(name, settings[name], ""))
		}
		s.pushAccountSync(acc, nil, waBinary.Node{Tag: "privacy", Content: nodes})
		return nil
	})
}
