package privacy

import (
	"maps"
	"slices"
)

// Snapshot is the whole of an account's privacy at one moment.
type Snapshot struct {
	// Settings holds a value for every category the account reports.
	Settings map[Category]Value
	// Except holds each "my contacts except…" list as phone numbers
	// (digits), sorted, for the categories that have one.
	Except map[Category][]string
	// DefaultTimer is the timer for new chats.
	DefaultTimer Timer
	// Blocked is the blocklist as phone numbers (digits), sorted.
	Blocked []string
}

// Clone returns a deep copy, so a published snapshot is never mutated.
func (s Snapshot) Clone() Snapshot {
	out := Snapshot{
		Settings:     maps.Clone(s.Settings),
		Except:       make(map[Category][]string, len(s.Except)),
		DefaultTimer: s.DefaultTimer,
		Blocked:      slices.Clone(s.Blocked),
	}
	for c, list := range s.Except {
		out.Except[c] = slices.Clone(list)
	}
	return out
}
