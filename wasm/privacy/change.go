package privacy

import (
	"slices"
	"strconv"
)

// Field names one changeable part of a snapshot: a category ("last"), its
// "my contacts except…" list ("last.except"), the default message timer
// ("timer") or the blocklist ("blocked").
type Field string

const (
	FieldTimer   Field = "timer"
	FieldBlocked Field = "blocked"
)

// SettingField is the field of c's value.
func SettingField(c Category) Field { return Field(c) }

// ExceptField is the field of c's "my contacts except…" list.
func ExceptField(c Category) Field { return Field(string(c) + ".except") }

// Category returns the category a setting or except-list field belongs to.
func (f Field) Category() (Category, bool) {
	for _, c := range Categories() {
		if f == SettingField(c) || (c.HasExceptList() && f == ExceptField(c)) {
			return c, true
		}
	}
	return "", false
}

// IsList reports whether f is a list of phones: an except-list or the
// blocklist.
func (f Field) IsList() bool {
	c, ok := f.Category()
	return f == FieldBlocked || (ok && f == ExceptField(c))
}

// Change is what happened to one field between two snapshots, or what an
// update would do to it.
type Change struct {
	Field Field `json:"field"`
	// Before and After hold a setting's value or the timer in seconds.
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
	// Added and Removed hold a list's phones.
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
}

// Diff lists what changed from before to after, in the settings screen's
// order.
func Diff(before, after Snapshot) []Change {
	var out []Change
	for _, c := range Categories() {
		b, a := before.Settings[c], after.Settings[c]
		if b != a && a != "" {
			out = append(out, Change{Field: SettingField(c), Before: string(b), After: string(a)})
		}
		if c.HasExceptList() {
			if ch, ok := listChange(ExceptField(c), before.Except[c], after.Except[c]); ok {
				out = append(out, ch)
			}
		}
	}
	if before.DefaultTimer != after.DefaultTimer {
		out = append(out, Change{Field: FieldTimer, Before: timerString(before.DefaultTimer), After: timerString(after.DefaultTimer)})
	}
	if ch, ok := listChange(FieldBlocked, before.Blocked, after.Blocked); ok {
		out = append(out, ch)
	}
	return out
}

func listChange(f Field, before, after []string) (Change, bool) {
	ch := Change{Field: f}
	for _, p := range after {
		if !slices.Contains(before, p) {
			ch.Added = append(ch.Added, p)
		}
	}
	for _, p := range before {
		if !slices.Contains(after, p) {
			ch.Removed = append(ch.Removed, p)
		}
	}
	return ch, len(ch.Added)+len(ch.Removed) > 0
}

func timerString(t Timer) string { return strconv.Itoa(int(t)) }

// ParseTimer reads a timer as Change spells it.
func ParseTimer(s string) (Timer, bool) {
	n, err := strconv.Atoi(s)
	if err != nil || !Timer(n).Valid() {
		return 0, false
	}
	return Timer(n), true
}

// Preview lists what u would change if applied to s: parts that already
// hold the requested value are left out, as the engine skips them.
func (u Update) Preview(s Snapshot) []Change {
	return Diff(s, u.ApplyTo(s))
}

// ApplyTo returns s as it would be after u, without asking anyone.
func (u Update) ApplyTo(s Snapshot) Snapshot {
	out := s.Clone()
	if out.Settings == nil {
		out.Settings = map[Category]Value{}
	}
	for c, v := range u.Settings {
		out.Settings[c] = v
	}
	for c, d := range u.Except {
		list := slices.Clone(out.Except[c])
		for _, p := range d.Add {
			if !slices.Contains(list, p) {
				list = append(list, p)
			}
		}
		list = slices.DeleteFunc(list, func(p string) bool { return slices.Contains(d.Remove, p) && !slices.Contains(d.Add, p) })
		slices.Sort(list)
		out.Except[c] = list
		// Editing a list selects "my contacts except…", as on the phone.
		out.Settings[c] = ContactBlacklist
	}
	if u.Timer != nil {
		out.DefaultTimer = *u.Timer
	}
	return out
}

// Revert is the work that undoes changes: one all-or-nothing update, and
// blocklist edits, which WhatsApp takes one at a time.
type Revert struct {
	Update Update
	Block  []BlockEdit
}

// BlockEdit blocks or unblocks one phone.
type BlockEdit struct {
	Phone   string `json:"phone"`
	Blocked bool   `json:"blocked"`
}

// Undo returns the work that puts back what changes changed. An
// except-list edit is only put back when the category ends up on "my
// contacts except…": WhatsApp applies list edits to that value only, and
// the list is not visible under any other.
func Undo(changes []Change) Revert {
	var r Revert
	value := map[Category]Value{}
	for _, ch := range changes {
		c, ok := ch.Field.Category()
		switch {
		case ok && ch.Field == SettingField(c):
			value[c] = Value(ch.Before)
		case ch.Field == FieldTimer:
			if t, ok := ParseTimer(ch.Before); ok {
				r.Update.Timer = &t
			}
		case ch.Field == FieldBlocked:
			for _, p := range ch.Added {
				r.Block = append(r.Block, BlockEdit{Phone: p, Blocked: false})
			}
			for _, p := range ch.Removed {
				r.Block = append(r.Block, BlockEdit{Phone: p, Blocked: true})
			}
		}
	}
	for _, ch := range changes {
		c, ok := ch.Field.Category()
		if !ok || ch.Field != ExceptField(c) {
			continue
		}
		if v, set := value[c]; set && v != ContactBlacklist {
			continue
		}
		if r.Update.Except == nil {
			r.Update.Except = map[Category]ExceptDelta{}
		}
		r.Update.Except[c] = ExceptDelta{Add: slices.Clone(ch.Removed), Remove: slices.Clone(ch.Added)}
	}
	for c, v := range value {
		if v == "" {
			continue
		}
		if r.Update.Settings == nil {
			r.Update.Settings = map[Category]Value{}
		}
		r.Update.Settings[c] = v
	}
	return r
}
