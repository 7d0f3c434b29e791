package emulator

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	waBinary "go.mau.fi/whatsmeow/binary"
)

// maxListChange bounds the users in one except-list or blocklist change.
const maxListChange = 1000

// readLists answers <privacy addressing_mode="lid"><list name="last"
// value="contact_blacklist"/></privacy> with each list's entries and dhash.
//
// A migrated account answers in LID addressing, <user jid=LID pn_jid=PN/>
// (WA Web WAWebQueryPrivacyDisallowedListLidJob), and refuses a read without
// addressing_mode="lid" with 400: zapo PR #215 (commit b695d94) found that
// "every read answered 400 … on a LID-migrated account". A legacy account
// answers in phone-number addressing whatever the request says, without
// addressing_mode: the client learns the account's mode from the answer
// (WA Web WAWebQueryPrivacyDisallowedListPnJob parses that form).
func (c *conn) readLists(p waBinary.Node) ([]waBinary.Node, error) {
	lists := p.GetChildren()
	names := make([]string, len(lists))
	for i, l := range lists {
		names[i] = l.AttrGetter().OptionalString("name")
		if cat, ok := findCategory(names[i]); l.Tag != "list" || !ok || !cat.hasList {
			return nil, badRequest("<%s name=%q> is not an except list", l.Tag, names[i])
		}
	}
	var reply waBinary.Node
	w := c.srv.world
	err := c.readAccount("privacy", func(acc *account) error {
		lidMode := acc.migrated()
		if lidMode && !lidAddressed(p) {
			return badRequest("list read without addressing_mode=lid on a migrated account")
		}
		var out []waBinary.Node
		for _, name := range names {
			list := acc.Disallowed[name]
			n := waBinary.Node{Tag: "list", Attrs: waBinary.Attrs{"name": name, "value": "contact_blacklist", "dhash": list.DHash}}
			if users := w.entryNodesLocked("user", list, lidMode); len(users) > 0 {
				n.Content = users
			}
			out = append(out, n)
		}
		reply = waBinary.Node{Tag: "privacy", Attrs: waBinary.Attrs{}, Content: out}
		if lidMode {
			reply.Attrs["addressing_mode"] = addressingLID
		}
		return nil
	})
	return []waBinary.Node{reply}, err
}

// Entry is a list entry as the control API shows and takes it: a phone
// number with its LID, or a LID with the username or display name of a
// contact who hides their number.
type Entry struct {
	Phone       string `json:"phone,omitempty"`
	LID         string `json:"lid"`
	Username    string `json:"username,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

// ListEdit is a change the phone makes to an except list or the blocklist:
// numbers to add and remove, and entries, which may lack a number.
type ListEdit struct {
	Add, Remove               []string
	AddEntries, RemoveEntries []Entry
}

func (e ListEdit) size() int {
	return len(e.Add) + len(e.Remove) + len(e.AddEntries) + len(e.RemoveEntries)
}

const maxNameLen = 100

func validName(s string) bool {
	return utf8.ValidString(s) && len(s) <= maxNameLen && !containsControl(s)
}

func containsControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// resolveEditLocked turns a phone-side edit into contacts, checking it whole.
func (w *world) resolveEditLocked(acc *account, e ListEdit) (add, remove []contact, err error) {
	if e.size() == 0 {
		return nil, nil, fmt.Errorf("%w: nothing to add or remove", ErrInvalid)
	}
	if e.size() > maxListChange {
		return nil, nil, fmt.Errorf("%w: more than %d entries in one change", ErrInvalid, maxListChange)
	}
	number := func(u string, adding bool) (contact, error) {
		if !validPhone(u) {
			return contact{}, fmt.Errorf("%w: %q is not a phone number (7 to 15 digits, no leading 0)", ErrInvalid, u)
		}
		if u == acc.Phone {
			return contact{}, fmt.Errorf("%w: the account cannot list itself", ErrInvalid)
		}
		if adding && !w.registeredLocked(u) {
			return contact{}, fmt.Errorf("%w: %s is not on WhatsApp", ErrInvalid, u)
		}
		return contact{phone: u, hiddenEntry: hiddenEntry{LID: w.lidOfLocked(u)}}, nil
	}
	entry := func(en Entry, adding bool) (contact, error) {
		if en.Phone != "" {
			c, err := number(en.Phone, adding)
			if err == nil && en.LID != "" && en.LID != c.LID {
				err = fmt.Errorf("%w: %s's LID is %s, not %s", ErrInvalid, en.Phone, c.LID, en.LID)
			}
			return c, err
		}
		if !acc.migrated() {
			return contact{}, fmt.Errorf("%w: a phone-number account's lists hold only numbers", ErrInvalid)
		}
		if !validName(en.Username) || !validName(en.DisplayName) || (en.Username != "" && en.DisplayName != "") {
			return contact{}, fmt.Errorf("%w: give a username or a display name (at most %d characters), not both", ErrInvalid, maxNameLen)
		}
		if en.LID == "" {
			switch {
			case en.Username != "":
				en.LID = derivedLID("user:" + en.Username)
			case en.DisplayName != "":
				en.LID = derivedLID("name:" + en.DisplayName)
			}
		}
		if !validLID(en.LID) {
			return contact{}, fmt.Errorf("%w: an entry without a number needs a LID (digits) or a username or display name", ErrInvalid)
		}
		if phone := w.phoneOfLIDLocked(en.LID); phone != "" {
			return number(phone, adding)
		}
		if adding && en.Username == "" && en.DisplayName == "" {
			return contact{}, fmt.Errorf("%w: an entry without a number needs a username or display name", ErrInvalid)
		}
		return contact{hiddenEntry: hiddenEntry{LID: en.LID, Username: en.Username, DisplayName: en.DisplayName}}, nil
	}
	for _, u := range e.Add {
		c, err := number(u, true)
		if err != nil {
			return nil, nil, err
		}
		add = append(add, c)
	}
	for _, u := range e.Remove {
		c, err := number(u, false)
		if err != nil {
			return nil, nil, err
		}
		remove = append(remove, c)
	}
	for _, en := range e.AddEntries {
		c, err := entry(en, true)
		if err != nil {
			return nil, nil, err
		}
		add = append(add, c)
	}
	for _, en := range e.RemoveEntries {
		c, err := entry(en, false)
		if err != nil {
			return nil, nil, err
		}
		remove = append(remove, c)
	}
	if overlapping(add, remove) {
		return nil, nil, fmt.Errorf("%w: an entry is both added and removed", ErrInvalid)
	}
	return add, remove, nil
}

// EditDisallowed is an except-list change made on the phone of phone, by
// number. The list's dhash rotates if it changed, and the companions are
// told to re-read it.
func (s *Server) EditDisallowed(phone, category string, add, remove []string) error {
	return s.EditDisallowedList(phone, category, ListEdit{Add: add, Remove: remove})
}

// EditDisallowedList is EditDisallowed with entries that may lack a number.
func (s *Server) EditDisallowedList(phone, category string, e ListEdit) error {
	if !validPhone(phone) {
		return errPhone
	}
	if cat, ok := findCategory(category); !ok || !cat.hasList {
		return fmt.Errorf("%w: %q has no except list (last, profile, status and groupadd do)", ErrInvalid, category)
	}
	w := s.world
	return w.update(phone, func(acc *account) error {
		add, remove, err := w.resolveEditLocked(acc, e)
		if err != nil {
			return err
		}
		list := acc.Disallowed[category]
		if !w.applyDeltaLocked(list, add, remove) {
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
