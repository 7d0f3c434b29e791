// Package privacy is the one model of WhatsApp's privacy settings: the
// categories and the values each allows, the "my contacts except…" lists,
// the default message timer and the blocklist, and how Z-API and RyzeAPI
// name them. It is pure Go with no I/O, shared by the engine, the UI and the
// in-page API.
package privacy

import (
	"slices"
	"strconv"
)

// Category is a privacy setting, by its name on the wire.
type Category string

const (
	LastSeen     Category = "last"
	Online       Category = "online"
	Profile      Category = "profile"
	About        Category = "status" // the About text, not Status updates
	ReadReceipts Category = "readreceipts"
	GroupAdd     Category = "groupadd"
	CallAdd      Category = "calladd"
	Messages     Category = "messages"
	Defense      Category = "defense"  // strict account settings; changed only on the phone
	Stickers     Category = "stickers" // who may send you stickers; changed only on the phone
)

// Value is a category's setting, by its name on the wire.
type Value string

const (
	All              Value = "all"
	Contacts         Value = "contacts"
	ContactBlacklist Value = "contact_blacklist" // "my contacts except…"
	Nobody           Value = "none"
	MatchLastSeen    Value = "match_last_seen"
	Known            Value = "known"
	OnStandard       Value = "on_standard"
	Off              Value = "off"
	ContactAllowlist Value = "contact_allowlist"
)

// categoryTable is the single source of which values each category allows,
// in WhatsApp's own order, and what people call the category.
// Read-only categories are shown but never sent: WhatsApp lets only the
// primary phone change them.
var categoryTable = []struct {
	category Category
	title    string
	values   []Value
	readOnly bool
}{
	{LastSeen, "Last seen", []Value{All, Contacts, ContactBlacklist, Nobody}, false},
	{Online, "Online", []Value{All, MatchLastSeen}, false},
	{Profile, "Profile photo", []Value{All, Contacts, ContactBlacklist, Nobody}, false},
	{About, "About", []Value{All, Contacts, ContactBlacklist, Nobody}, false},
	{ReadReceipts, "Read receipts", []Value{All, Nobody}, false},
	{GroupAdd, "Groups", []Value{All, Contacts, ContactBlacklist}, false},
	// contacts is "who can call you: my contacts", beside known, "silence
	// unknown callers" (upstream whatsmeow types/user.go, WA Web).
	{CallAdd, "Calls", []Value{All, Known, Contacts}, false},
	{Messages, "Messages from unknown accounts", []Value{All, Contacts}, false},
	{Defense, "Strict account settings", []Value{OnStandard, Off}, true},
	{Stickers, "Stickers", []Value{Contacts, ContactAllowlist, Nobody}, true},
}

// Categories lists every category, in the order WhatsApp's settings show
// them.
func Categories() []Category {
	out := make([]Category, len(categoryTable))
	for i, row := range categoryTable {
		out[i] = row.category
	}
	return out
}

// Values lists the values c allows, or nil for an unknown category.
func (c Category) Values() []Value {
	for _, row := range categoryTable {
		if row.category == c {
			return slices.Clone(row.values)
		}
	}
	return nil
}

// Title is the category's name in WhatsApp's English settings.
func (c Category) Title() string {
	for _, row := range categoryTable {
		if row.category == c {
			return row.title
		}
	}
	return string(c)
}

// ReadOnly reports whether only the primary phone can change c.
func (c Category) ReadOnly() bool {
	for _, row := range categoryTable {
		if row.category == c {
			return row.readOnly
		}
	}
	return false
}

// Optional reports whether some accounts lack c, so it may be changed
// only when the account's own answer lists it: setting "messages" on an
// account without the feature once locked numbers out of WhatsApp Web
// (Baileys PR #1071).
func (c Category) Optional() bool { return c == Messages }

// Valid reports whether c is a known category.
func (c Category) Valid() bool { return c.Values() != nil }

// Allows reports whether c accepts v.
func (c Category) Allows(v Value) bool { return slices.Contains(c.Values(), v) }

// HasExceptList reports whether c has a "my contacts except…" list.
func (c Category) HasExceptList() bool { return c.Allows(ContactBlacklist) }

// ExceptListCategories lists the categories with a "my contacts except…"
// list.
func ExceptListCategories() []Category {
	var out []Category
	for _, c := range Categories() {
		if c.HasExceptList() {
			out = append(out, c)
		}
	}
	return out
}

// Timer is a default message timer, in seconds; 0 is off.
type Timer int

const (
	TimerOff     Timer = 0
	Timer24Hours Timer = 86400
	Timer7Days   Timer = 604800
	Timer90Days  Timer = 7776000
)

// Timers lists the default message timers WhatsApp offers.
func Timers() []Timer { return []Timer{TimerOff, Timer24Hours, Timer7Days, Timer90Days} }

// Valid reports whether t is one of the offered timers.
func (t Timer) Valid() bool { return slices.Contains(Timers(), t) }

func (t Timer) String() string {
	switch t {
	case TimerOff:
		return "Off"
	case Timer24Hours:
		return "24 hours"
	case Timer7Days:
		return "7 days"
	case Timer90Days:
		return "90 days"
	}
	return strconv.Itoa(int(t)) + " seconds"
}
