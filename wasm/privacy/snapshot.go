package privacy

import (
	"maps"
	"slices"
)

// Snapshot is the whole of an account's privacy at one moment.
type Snapshot struct {
	// Settings holds a value for every category the account reports.
	Settings map[Category]Value
	// Except holds each "my contacts except…" list, sorted, for the
	// categories that have one. An entry is a phone number (digits), or
	// "<digits>@lid" for a contact whose number WhatsApp does not show.
	Except map[Category][]string
	// DefaultTimer is the timer for new chats.
	DefaultTimer Timer
	// Blocked is the blocklist, its entries as in Except, sorted.
	Blocked []string
	// Contacts says what WhatsApp told about list entries, by entry; it
	// names the entries that have no number.
	Contacts map[string]Contact `json:",omitempty"`
}

// Contact is what a list entry's answer carried besides its number.
type Contact struct {
	LID      string `json:"lid,omitempty"` // digits
	Username string `json:"username,omitempty"`
	Name     string `json:"name,omitempty"` // WhatsApp's display_name
}

// Label is how an entry is shown: "+<phone>", else the username or name
// WhatsApp gave for it, else its LID.
func (s Snapshot) Label(entry string) string {
	if !IsLID(entry) {
		return "+" + entry
	}
	c := s.Contacts[entry]
	switch {
	case c.Username != "":
		return "@" + c.Username
	case c.Name != "":
		return c.Name
	}
	return entry
}

// Clone returns a deep copy, so a published snapshot is never mutated.
func (s Snapshot) Clone() Snapshot {
	out := Snapshot{
		Settings:     maps.Clone(s.Settings),
		Except:       make(map[Category][]string, len(s.Except)),
		DefaultTimer: s.DefaultTimer,
		Blocked:      slices.Clone(s.Blocked),
		Contacts:     maps.Clone(s.Contacts),
	}
	for c, list := range s.Except {
		out.Except[c] = slices.Clone(list)
	}
	return out
}
