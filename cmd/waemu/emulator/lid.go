package emulator

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"regexp"
	"slices"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// LIDs. Every WhatsApp user has a LID ("<digits>@lid") besides their phone
// number, and a LID-migrated account's lists are keyed by it (whatsmeow
// UpdateBlocklist and user.go since PR #1137; WA Web
// WAWebQueryPrivacyDisallowedListLidJob). The emulator treats every valid
// number as a registered user, unless the control API says otherwise, and
// gives it a stable LID derived from the number, so every companion and
// every test sees the same one.

// lidPrefix starts every LID the emulator derives. 28x is spare in E.164
// (ITU-T E.164 list of assigned country codes: 280–289 unassigned), so a
// derived LID never reads as a real phone number.
const lidPrefix = "28"

// derivedLID is the LID of key: a phone number, or for a contact who hides
// their number, "user:<username>" or "name:<display name>". 15 digits.
func derivedLID(key string) string {
	sum := sha256.Sum256([]byte("waemu lid\x00" + key))
	return fmt.Sprintf("%s%013d", lidPrefix, binary.BigEndian.Uint64(sum[:8])%1e13)
}

var lidPattern = regexp.MustCompile(`^[1-9][0-9]{5,19}$`)

func validLID(lid string) bool { return lidPattern.MatchString(lid) }

func lidJID(lid string) types.JID { return types.NewJID(lid, types.HiddenUserServer) }

// lidOfLocked returns phone's LID: its account's own if it has one here,
// else the derived one. It remembers the pair, so a later request naming
// only the LID can be resolved to the number.
func (w *world) lidOfLocked(phone string) string {
	lid := derivedLID(phone)
	if acc := w.accounts[phone]; acc != nil {
		lid = acc.LID
	}
	w.lidPhones[lid] = phone
	return lid
}

// phoneOfLIDLocked returns the number behind a LID the emulator handed out,
// or "" for a LID it never saw with a number.
func (w *world) phoneOfLIDLocked(lid string) string { return w.lidPhones[lid] }

// registeredLocked reports whether phone is on WhatsApp.
func (w *world) registeredLocked(phone string) bool {
	return w.accounts[phone] != nil || !w.unregistered[phone]
}

// hiddenEntry is a list entry without a phone number: a contact who uses a
// username and hides their number (WA Web gates adding these behind an AB
// prop; zapo PR #250 addresses them by username or display_name).
type hiddenEntry struct {
	LID         string `json:"lid"`
	Username    string `json:"username,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

// contact is who one <user> or <item> of a request names: always a LID, and
// a number unless the request names a LID the emulator cannot tie to one.
// Username and DisplayName are kept only for a contact without a number.
type contact struct {
	phone string
	hiddenEntry
}

// userAttrs renders a list entry for an answer or a push. In LID
// addressing the LID is the jid and the number rides along as pn_jid, or,
// for a contact without a number, username or display_name (WA Web
// WAWebQueryPrivacyDisallowedListLidJob; Cobalt SmaxGetContactBlacklistResponse).
func userAttrs(phone, lid string, h *hiddenEntry, lidMode bool) waBinary.Attrs {
	if !lidMode {
		return waBinary.Attrs{"jid": types.NewJID(phone, types.DefaultUserServer)}
	}
	attrs := waBinary.Attrs{"jid": lidJID(lid)}
	if phone != "" {
		attrs["pn_jid"] = types.NewJID(phone, types.DefaultUserServer)
	} else if h != nil {
		if h.Username != "" {
			attrs["username"] = h.Username
		} else if h.DisplayName != "" {
			attrs["display_name"] = h.DisplayName
		}
	}
	return attrs
}

// entryNodesLocked renders every entry of l as a tag node (<user> or <item>).
func (w *world) entryNodesLocked(tag string, l *userList, lidMode bool) []waBinary.Node {
	var out []waBinary.Node
	add := func(attrs waBinary.Attrs) { out = append(out, waBinary.Node{Tag: tag, Attrs: attrs}) }
	for _, u := range l.Users {
		add(userAttrs(u, w.lidOfLocked(u), nil, lidMode))
	}
	if lidMode {
		for i := range l.Hidden {
			add(userAttrs("", l.Hidden[i].LID, &l.Hidden[i], true))
		}
	}
	return out
}

// contactNodeLocked renders one contact as it changed, for a push.
func (w *world) contactNodeLocked(tag string, c contact, lidMode bool, action string) waBinary.Node {
	attrs := userAttrs(c.phone, c.LID, &c.hiddenEntry, lidMode)
	attrs["action"] = action
	return waBinary.Node{Tag: tag, Attrs: attrs}
}

// parseContactLocked reads whom a <user> (except list) or <item> (blocklist)
// names, in the addressing the account uses. It answers 400 for the other
// addressing: a migrated account refuses phone-number JIDs (whatsapp-rust
// PR #600 and Baileys issue #2200 for blocks, zapo PR #208 for unblocks,
// zapo PR #215 for except lists), and a legacy one is keyed by number.
func (w *world) parseContactLocked(n waBinary.Node, acc *account) (contact, error) {
	jid, ok := n.Attrs["jid"].(types.JID)
	if !ok || jid.Device != 0 {
		return contact{}, badRequest("<%s> jid %v is not a user JID", n.Tag, n.Attrs["jid"])
	}
	if !acc.migrated() {
		if jid.Server != types.DefaultUserServer || !validPhone(jid.User) {
			return contact{}, badRequest("<%s> jid %v: a phone-number account's lists take phone-number JIDs", n.Tag, jid)
		}
		return contact{phone: jid.User, hiddenEntry: hiddenEntry{LID: w.lidOfLocked(jid.User)}}, nil
	}
	if jid.Server != types.HiddenUserServer || !validLID(jid.User) {
		return contact{}, badRequest("<%s> jid %v: a LID-migrated account's lists take LID JIDs", n.Tag, jid)
	}
	ag := n.AttrGetter()
	c := contact{hiddenEntry: hiddenEntry{
		LID: jid.User, Username: ag.OptionalString("username"), DisplayName: ag.OptionalString("display_name"),
	}}
	if pn, has := n.Attrs["pn_jid"]; has {
		pnJID, ok := pn.(types.JID)
		if !ok || pnJID.Server != types.DefaultUserServer || pnJID.Device != 0 || !validPhone(pnJID.User) {
			return contact{}, badRequest("<%s> pn_jid %v is not a phone-number JID", n.Tag, pn)
		}
		// The server knows every number's LID; a pair that disagrees names nobody.
		if w.lidOfLocked(pnJID.User) != jid.User {
			return contact{}, badRequest("<%s> pn_jid %s is not the number of %s", n.Tag, pnJID, jid)
		}
		c.phone = pnJID.User
	} else {
		c.phone = w.phoneOfLIDLocked(jid.User)
	}
	if c.phone != "" {
		c.Username, c.DisplayName = "", ""
	}
	return c, nil
}

// applyDeltaLocked adds and removes contacts; it reports whether the list changed.
// A contact is the same entry whether named by number or by LID.
func (w *world) applyDeltaLocked(l *userList, add, remove []contact) bool {
	changed := false
	for _, c := range add {
		if c.phone != "" {
			if !slices.Contains(l.Users, c.phone) {
				l.Users = append(l.Users, c.phone)
				changed = true
			}
			continue
		}
		i := slices.IndexFunc(l.Hidden, func(h hiddenEntry) bool { return h.LID == c.LID })
		switch {
		case i < 0:
			l.Hidden = append(l.Hidden, c.hiddenEntry)
			changed = true
		case l.Hidden[i] != c.hiddenEntry && (c.Username != "" || c.DisplayName != ""):
			l.Hidden[i] = c.hiddenEntry
			changed = true
		}
	}
	for _, c := range remove {
		if c.phone != "" {
			if i := slices.Index(l.Users, c.phone); i >= 0 {
				l.Users = slices.Delete(l.Users, i, i+1)
				changed = true
			}
		}
		if c.LID != "" {
			if i := slices.IndexFunc(l.Hidden, func(h hiddenEntry) bool { return h.LID == c.LID }); i >= 0 {
				l.Hidden = slices.Delete(l.Hidden, i, i+1)
				changed = true
			}
		}
	}
	return changed
}

// contactKey identifies a contact for duplicate checks within one request.
func (c contact) key() string {
	if c.phone != "" {
		return "pn:" + c.phone
	}
	return "lid:" + c.LID
}

func overlapping(add, remove []contact) bool {
	return slices.ContainsFunc(add, func(a contact) bool {
		return slices.ContainsFunc(remove, func(r contact) bool { return r.key() == a.key() })
	})
}
