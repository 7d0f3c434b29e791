package privacy

// Update is a set of changes meant to succeed or fail together.
type Update struct {
	// Settings are new values by category.
	Settings map[Category]Value
	// Except are changes to "my contacts except…" lists.
	Except map[Category]ExceptDelta
	// Timer, when set, is the new default message timer.
	Timer *Timer
}

// ExceptDelta adds and removes entries on one list: phone numbers
// (digits) or LIDs ("<digits>@lid"), as Snapshot.Except holds them.
type ExceptDelta struct {
	Add    []string
	Remove []string
}

// Empty reports whether u changes nothing.
func (u Update) Empty() bool {
	return len(u.Settings) == 0 && len(u.Except) == 0 && u.Timer == nil
}

// Validate checks the whole update and reports every problem, worded for
// people, before anything is sent.
func (u Update) Validate() error {
	var v validation
	if u.Empty() {
		v.add("", "At least one privacy setting must be provided")
	}
	for c, val := range u.Settings {
		switch {
		case !c.Valid():
			v.add(string(c), "Unknown privacy setting: "+string(c)+". Valid settings: "+quoteList(Categories()))
		case c.ReadOnly():
			v.add(string(c), c.Title()+" can only be changed on your phone")
		case !c.Allows(val):
			v.add(string(c), InvalidValueMessage(string(c), string(val), c.ValueNames()))
		}
	}
	for c, d := range u.Except {
		switch {
		case !c.HasExceptList():
			v.add(string(c)+".except", string(c)+" has no \"my contacts except…\" list; only "+quoteList(ExceptListCategories())+" do")
		case u.Settings[c] != "" && u.Settings[c] != ContactBlacklist:
			v.add(string(c)+".except", "Changing the "+c.Title()+" exceptions sets it to contact_blacklist, but the same request sets it to "+string(u.Settings[c]))
		}
		for _, p := range append(append([]string{}, d.Add...), d.Remove...) {
			if n, err := NormalizeContact(p); err != nil || n != p {
				v.add(string(c)+".except", "Invalid phone in the "+c.Title()+" exceptions: "+p)
			}
		}
	}
	if u.Timer != nil && !u.Timer.Valid() {
		v.add("timer", "Invalid default message timer: "+u.Timer.String()+". Valid values: 0, 86400, 604800, 7776000 seconds")
	}
	return v.err()
}
