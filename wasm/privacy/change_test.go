package privacy

import (
	"reflect"
	"testing"
)

func snapshot() Snapshot {
	return Snapshot{
		Settings: map[Category]Value{LastSeen: Contacts, Online: All, Profile: All, About: ContactBlacklist,
			ReadReceipts: All, GroupAdd: All, CallAdd: All},
		Except:       map[Category][]string{About: {"5511900000001"}},
		DefaultTimer: TimerOff,
		Blocked:      []string{"5511900000009"},
	}
}

func TestDiffListsEveryKindOfChange(t *testing.T) {
	before := snapshot()
	after := before.Clone()
	after.Settings[LastSeen] = Nobody
	after.Except[About] = []string{"5511900000002"}
	after.DefaultTimer = Timer7Days
	after.Blocked = nil
	got := Diff(before, after)
	want := []Change{
		{Field: "last", Before: "contacts", After: "none"},
		{Field: "status.except", Added: []string{"5511900000002"}, Removed: []string{"5511900000001"}},
		{Field: "timer", Before: "0", After: "604800"},
		{Field: "blocked", Removed: []string{"5511900000009"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Diff = %+v\nwant %+v", got, want)
	}
	if d := Diff(before, before.Clone()); len(d) != 0 {
		t.Errorf("no change gives %+v", d)
	}
}

func TestPreviewSkipsWhatIsAlreadySet(t *testing.T) {
	s := snapshot()
	u := Update{
		Settings: map[Category]Value{LastSeen: Contacts, Online: MatchLastSeen},
		Except:   map[Category]ExceptDelta{Profile: {Add: []string{"5511900000003"}}},
	}
	got := u.Preview(s)
	want := []Change{
		{Field: "online", Before: "all", After: "match_last_seen"},
		{Field: "profile", Before: "all", After: "contact_blacklist"},
		{Field: "profile.except", Added: []string{"5511900000003"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Preview = %+v\nwant %+v", got, want)
	}
	if s.Settings[Online] != All || len(s.Except[Profile]) != 0 {
		t.Error("Preview changed the snapshot it was given")
	}
}

func TestUndoRestoresWhatChanged(t *testing.T) {
	before := snapshot()
	after := before.Clone()
	after.Settings[LastSeen] = Nobody
	after.Except[About] = []string{"5511900000002"}
	after.DefaultTimer = Timer90Days
	after.Blocked = []string{"5511900000008"}
	r := Undo(Diff(before, after))
	if err := r.Update.Validate(); err != nil {
		t.Fatalf("the undo is not a valid update: %v", err)
	}
	restored := r.Update.ApplyTo(after)
	for _, b := range r.Block {
		restored.Blocked = toggle(restored.Blocked, b)
	}
	if d := Diff(before, restored); len(d) != 0 {
		t.Errorf("after undo, still different: %+v", d)
	}
}

func TestUndoLeavesAListAloneWhenTheValueIsNotExcept(t *testing.T) {
	changes := []Change{
		{Field: "last", Before: "none", After: "contact_blacklist"},
		{Field: "last.except", Added: []string{"5511900000002"}},
	}
	r := Undo(changes)
	if err := r.Update.Validate(); err != nil {
		t.Fatalf("invalid undo: %v", err)
	}
	if r.Update.Settings[LastSeen] != Nobody || len(r.Update.Except) != 0 {
		t.Errorf("undo %+v: want last seen back to nobody and the list untouched", r.Update)
	}
}

func toggle(list []string, b BlockEdit) []string {
	var out []string
	for _, p := range list {
		if p != b.Phone {
			out = append(out, p)
		}
	}
	if b.Blocked {
		out = append(out, b.Phone)
	}
	return out
}

func TestFieldCategory(t *testing.T) {
	if c, ok := Field("groupadd.except").Category(); !ok || c != GroupAdd {
		t.Errorf("groupadd.except → %q %v", c, ok)
	}
	if _, ok := Field("online.except").Category(); ok {
		t.Error("online has no except list, yet online.except was accepted")
	}
	if !FieldBlocked.IsList() || !ExceptField(LastSeen).IsList() || FieldTimer.IsList() {
		t.Error("IsList is wrong")
	}
	if _, ok := ParseTimer("5"); ok {
		t.Error("a 5-second timer was accepted")
	}
}
