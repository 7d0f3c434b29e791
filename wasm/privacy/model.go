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
)

// categoryTable is the single source of which values each category allows,
// in WhatsApp's own order, and what people call the category.
var categoryTable = []struct {
	category Category
	title    string
	values   []Value
}{
	{LastSeen, "Last seen", []Value{All, Contacts, ContactBlacklist, Nobody}},
	{Online, "Online", []Value{All, MatchLastSeen}},
	{Profile, "Profile photo", []Value{All, Contacts, ContactBlacklist, Nobody}},
	{About, "About", []Value{All, Contacts, ContactBlacklist, Nobody}},
	{ReadReceipts, "Read receipts", []Value{All, Nobody}},
	{GroupAdd, "Groups", []Value{All, Contacts, ContactBlacklist}},
	{CallAdd, "Calls", []Value{All, Known}},
	{Messages, "Messages from unknown accounts", []Value{All, Contacts}},
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
