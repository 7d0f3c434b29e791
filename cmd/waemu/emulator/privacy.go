package emulator

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	waBinary "go.mau.fi/whatsmeow/binary"
)

// privacyCategory is one privacy setting with WhatsApp's legal values
// (whatsmeow types/user.go; WA Web WAWebPrivacySettings).
type privacyCategory struct {
	name    string
	label   string   // what WhatsApp's settings screen calls it
	values  []string // the first is a new account's value
	hasList bool     // has a "my contacts except…" list
	// phoneOnly settings change only on the primary phone; a companion's set is refused.
	phoneOnly bool
}

var visibility = []string{"all", "contacts", "contact_blacklist", "none"}

var privacyCategories = []privacyCategory{
	{name: "last", label: "Last seen", values: visibility, hasList: true},
	{name: "online", label: "Online", values: []string{"all", "match_last_seen"}},
	{name: "profile", label: "Profile photo", values: visibility, hasList: true},
	{name: "status", label: "About", values: visibility, hasList: true}, // the About text, not status stories
	{name: "readreceipts", label: "Read receipts", values: []string{"all", "none"}},
	{name: "groupadd", label: "Groups: who can add me", values: []string{"all", "contacts", "contact_blacklist"}, hasList: true},
	// WA Web WAWebPrivacySettings CALL_ADD lists contacts ("who can call you")
	// beside known ("silence unknown callers").
	{name: "calladd", label: "Calls: who can call me", values: []string{"all", "known", "contacts"}},
	// Messages from unknown accounts: whatsmeow types/user.go (commit 9cbe80fb).
	// Only some accounts have it (Baileys PR #1071), see account.hasCategory.
	{name: "messages", label: "Messages from unknown accounts", values: []string{"all", "contacts"}},
	// Strict account settings (whatsmeow types/user.go PrivacySettingTypeDefense,
	// WA Web DEFENSE_MODE_STATE): changed on the primary phone only.
	{name: "defense", label: "Strict account settings", values: []string{"off", "on_standard"}, phoneOnly: true},
	// whatsmeow PR #1075 (types/user.go PrivacySettingTypeStickers). Its meaning
	// and default are not documented; "contacts" as the default is a guess, and
	// so is accepting a companion's set of any of the three values (no source
	// shows the server refusing one).
	{name: "stickers", label: "Stickers", values: []string{"contacts", "contact_allowlist", "none"}},
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

// hasCategory reports whether the account has the category at all: an
// account without the "messages" feature is not offered it, and setting it
// there once locked a number out of WhatsApp Web (Baileys PR #1071), so the
// emulator refuses it with 400.
func (a *account) hasCategory(name string) bool {
	return name != "messages" || !a.NoMessagesFeature
}

// categories lists the account's categories in the order the server sends them.
func (a *account) categories() []privacyCategory {
	var out []privacyCategory
	for _, c := range privacyCategories {
		if a.hasCategory(c.name) {
			out = append(out, c)
		}
	}
	return out
}

func handlePrivacy(c *conn, iq *waBinary.Node) ([]waBinary.Node, error) {
	p, err := onlyChild(iq, "privacy")
	if err != nil {
		return nil, err
	}
	if iq.AttrGetter().OptionalString("type") == "set" {
		return c.setPrivacy(p)
	}
	if len(p.GetChildren()) > 0 {
		return c.readLists(p)
	}
	var cats []waBinary.Node
	err = c.readAccount("privacy", func(acc *account) error {
		for _, cat := range acc.categories() {
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

// lidAddressed reports whether a <privacy> says addressing_mode="lid".
func lidAddressed(p waBinary.Node) bool {
	return p.AttrGetter().OptionalString("addressing_mode") == addressingLID
}

// categoryChange is one <category> of a set: a new value, and for an except
// list, user deltas that must name the list's current dhash.
type categoryChange struct {
	name, value string
	dhash       string
	users       []waBinary.Node
	add, remove []contact
}

// errForbidden refuses a companion a change only the primary phone may make.
// No source shows the real answer to a companion setting "defense"; 403
// forbidden is how WhatsApp refuses an action this device may not take
// (whatsmeow errors.go ErrIQForbidden), where 400 would wrongly call the
// request malformed and 401 would read as a session problem.
var errForbidden = newIQError(403)

func parseCategoryChange(n waBinary.Node) (categoryChange, error) {
	ag := n.AttrGetter()
	ch := categoryChange{name: ag.OptionalString("name"), value: ag.OptionalString("value"), dhash: ag.OptionalString("dhash")}
	if n.Tag != "category" {
		return ch, badRequest("<%s> in a privacy set", n.Tag)
	}
	if err := checkSetting(ch.name, ch.value); err != nil {
		return ch, badRequest("%v", err)
	}
	cat, _ := findCategory(ch.name)
	if cat.phoneOnly {
		return ch, fmt.Errorf("%w: %s changes only on the primary phone", errForbidden, ch.name)
	}
	ch.users = n.GetChildren()
	if len(ch.users) == 0 {
		return ch, nil // a bare set keeps the existing list (protocol.md §5.2)
	}
	if !cat.hasList || ch.value != "contact_blacklist" {
		return ch, badRequest("users given for %s=%s", ch.name, ch.value)
	}
	if ch.dhash == "" {
		return ch, badRequest("list change for %s without dhash", ch.name)
	}
	if len(ch.users) > maxListChange {
		return ch, badRequest("more than %d users in one change", maxListChange)
	}
	return ch, nil
}

// resolveUsersLocked reads the <user> deltas of a list change in the
// account's addressing.
func (w *world) resolveUsersLocked(ch *categoryChange, acc *account) error {
	for _, u := range ch.users {
		if u.Tag != "user" {
			return badRequest("<%s> in a list change", u.Tag)
		}
		who, err := w.parseContactLocked(u, acc)
		if err != nil {
			return err
		}
		switch action := u.AttrGetter().OptionalString("action"); action {
		case "add":
			ch.add = append(ch.add, who)
		case "remove":
			ch.remove = append(ch.remove, who)
		default:
			return badRequest("user action %q", action)
		}
	}
	if overlapping(ch.add, ch.remove) {
		return badRequest("a user is both added to and removed from %s", ch.name)
	}
	return nil
}

// setPrivacy applies a companion's change. Any invalid category fails the
// whole IQ and changes nothing; a list change with a stale dhash fails only
// its own category, with 409 inside a result (protocol.md §5.3).
//
// A list change must use the account's addressing. A migrated account takes
// <privacy addressing_mode="lid"> with <user jid=LID pn_jid=PN> (WA Web
// WAWebSetPrivacyJob, LID branch; zapo builders/privacy.ts) and answers the
// phone-number form with 400: zapo PR #215 confirmed that against the
// server for reads; for changes it is the likely answer but unconfirmed
// (WA Web keeps the phone-number branch only as a kill-switch fallback). A
// legacy account keeps the phone-number form and refuses the LID one, so a
// client must follow the mode the account's list read showed.
func (c *conn) setPrivacy(p waBinary.Node) ([]waBinary.Node, error) {
	var changes []categoryChange
	listChange := false
	for _, n := range p.GetChildren() {
		ch, err := parseCategoryChange(n)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(changes, func(x categoryChange) bool { return x.name == ch.name }) {
			return nil, badRequest("category %s twice", ch.name)
		}
		listChange = listChange || len(ch.users) > 0
		changes = append(changes, ch)
	}
	if len(changes) == 0 {
		return nil, badRequest("privacy set without categories")
	}
	var reply, pushed []waBinary.Node
	w := c.srv.world
	err := c.writeAccount(func(acc *account) error {
		if listChange && acc.migrated() != lidAddressed(p) {
			return badRequest("list change with addressing_mode %q on an account addressed by %s", p.AttrGetter().OptionalString("addressing_mode"), acc.addressing())
		}
		for i := range changes {
			if !acc.hasCategory(changes[i].name) {
				return badRequest("the account has no %s setting", changes[i].name)
			}
			if err := w.resolveUsersLocked(&changes[i], acc); err != nil {
				return err
			}
		}
		for _, ch := range changes {
			list := acc.Disallowed[ch.name]
			if len(ch.users) > 0 && ch.dhash != list.DHash {
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
				if w.applyDeltaLocked(list, ch.add, ch.remove) {
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
		for _, name := range names {
			if !acc.hasCategory(name) {
				return fmt.Errorf("%w: the account has no %s setting (its messages feature is off)", ErrInvalid, name)
			}
		}
		var nodes []waBinary.Node
		for _, name := range names {
			acc.Privacy[name] = settings[name]
			nodes = append(nodes, categoryNode(name, settings[name], ""))
		}
		s.pushAccountSync(acc, nil, waBinary.Node{Tag: "privacy", Content: nodes})
		return nil
	})
}
