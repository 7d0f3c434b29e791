package engine_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
	"github.com/waprivacy/waprivacy/wasm/engine"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// lidsOf is what the emulator holds for an except-list or blocklist: the
// LID of each entry.
func lidsOf(entries []emulator.Entry) []string {
	out := []string{}
	for _, e := range entries {
		out = append(out, e.LID)
	}
	slices.Sort(out)
	return out
}

func TestListsAndBlocklistAreLIDAddressedOnAMigratedAccount(t *testing.T) {
	env, e := linked(t)
	a, b := "5511911112222", "5511933334444"
	res, err := e.Apply(ctxT(t), privacy.Update{Except: map[privacy.Category]privacy.ExceptDelta{
		privacy.LastSeen: {Add: []string{a, b}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Snapshot.Except[privacy.LastSeen]; !slices.Equal(got, []string{a, b}) {
		t.Errorf("the engine shows %v, want the phone numbers %v", got, []string{a, b})
	}
	if _, err := e.SetBlocked(ctxT(t), a, true); err != nil {
		t.Fatal(err)
	}
	acc := env.Account(t, phone)
	if acc.Addressing != "lid" {
		t.Fatalf("the account is %q, want LID-migrated by default", acc.Addressing)
	}
	wantLIDs := []string{env.LID(t, a).User, env.LID(t, b).User}
	slices.Sort(wantLIDs)
	if got := lidsOf(acc.DisallowedEntries["last"]); !slices.Equal(got, wantLIDs) {
		t.Errorf("the server's list holds LIDs %v, want %v", got, wantLIDs)
	}
	if got := lidsOf(acc.BlocklistEntries); !slices.Equal(got, []string{env.LID(t, a).User}) {
		t.Errorf("the server's blocklist holds %v, want %s's LID", got, a)
	}
	// Removing and unblocking address the same LIDs.
	res, err = e.Apply(ctxT(t), privacy.Update{Except: map[privacy.Category]privacy.ExceptDelta{privacy.LastSeen: {Remove: []string{a}}}})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := e.SetBlocked(ctxT(t), a, false)
	if err != nil {
		t.Fatal(err)
	}
	assertSame(t, snap, emulatorSnapshot(t, env))
	if got := snap.Except[privacy.LastSeen]; !slices.Equal(got, []string{b}) {
		t.Errorf("after removing %s the list is %v", a, got)
	}
}

func TestLegacyAccountListsAndBlocksByPhone(t *testing.T) {
	env := emutest.Start(t)
	env.LegacyAccount(t, phone)
	e := engine.New(env.LinkedClient(t, phone), engine.Options{})
	a := "5511955556666"
	if _, err := e.Apply(ctxT(t), privacy.Update{Except: map[privacy.Category]privacy.ExceptDelta{
		privacy.GroupAdd: {Add: []string{a, "5511977778888"}},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.SetBlocked(ctxT(t), a, true); err != nil {
		t.Fatal(err)
	}
	res, err := e.Apply(ctxT(t), privacy.Update{Except: map[privacy.Category]privacy.ExceptDelta{privacy.GroupAdd: {Remove: []string{a}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Snapshot.Except[privacy.GroupAdd]; !slices.Equal(got, []string{"5511977778888"}) {
		t.Errorf("groupadd exceptions %v", got)
	}
	if got := res.Snapshot.Blocked; !slices.Equal(got, []string{a}) {
		t.Errorf("blocked %v", got)
	}
	assertSame(t, res.Snapshot, emulatorSnapshot(t, env))
	snap, err := e.SetBlocked(ctxT(t), a, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Blocked) != 0 || env.Account(t, phone).Addressing != "pn" {
		t.Errorf("unblock on a legacy account: %v", snap.Blocked)
	}
}

func TestNumberNotOnWhatsAppChangesNothing(t *testing.T) {
	env, e := linked(t)
	ghost, real := "5511900000009", "5511900000008"
	env.SetRegistered(t, ghost, false)
	before := emulatorSnapshot(t, env)
	_, err := e.Apply(ctxT(t), privacy.Update{
		Settings: map[privacy.Category]privacy.Value{privacy.Online: privacy.MatchLastSeen},
		Except:   map[privacy.Category]privacy.ExceptDelta{privacy.Profile: {Add: []string{real, ghost}}},
	})
	var ee *engine.Error
	if !errors.As(err, &ee) || ee.Status != engine.StatusInvalid || len(ee.Fields) != 1 ||
		ee.Fields[0].Message != "+"+ghost+" is not on WhatsApp" {
		t.Fatalf("err = %#v, want 400 naming +%s", err, ghost)
	}
	if _, err := e.SetBlocked(ctxT(t), ghost, true); !errors.As(err, &ee) || ee.Status != engine.StatusInvalid {
		t.Fatalf("blocking a number not on WhatsApp: %v", err)
	}
	assertSame(t, emulatorSnapshot(t, env), before)
}

func TestEntriesWithoutANumberAreShownAndRemovable(t *testing.T) {
	env, e := linked(t)
	hidden := emulator.Entry{LID: "987654321098765", Username: "ana.s"}
	named := emulator.Entry{LID: "987654321098766", DisplayName: "Bia"}
	env.PhoneEditList(t, phone, "status", []emulator.Entry{hidden}, nil)
	env.PhoneBlockEntries(t, phone, []emulator.Entry{named}, nil)
	snap, err := e.Refresh(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	h, n := hidden.LID+"@lid", named.LID+"@lid"
	if !slices.Equal(snap.Except[privacy.About], []string{h}) || !slices.Equal(snap.Blocked, []string{n}) {
		t.Fatalf("about exceptions %v, blocked %v; want [%s] and [%s]", snap.Except[privacy.About], snap.Blocked, h, n)
	}
	if snap.Label(h) != "@ana.s" || snap.Label(n) != "Bia" {
		t.Errorf("labels %q and %q", snap.Label(h), snap.Label(n))
	}
	if _, err := e.Apply(ctxT(t), privacy.Update{Except: map[privacy.Category]privacy.ExceptDelta{privacy.About: {Remove: []string{h}}}}); err != nil {
		t.Fatal(err)
	}
	if snap, err = e.SetBlocked(ctxT(t), n, false); err != nil {
		t.Fatal(err)
	}
	acc := env.Account(t, phone)
	if len(acc.DisallowedEntries["status"]) != 0 || len(acc.BlocklistEntries) != 0 {
		t.Errorf("the server still has %v and %v", acc.DisallowedEntries["status"], acc.BlocklistEntries)
	}
	assertSame(t, snap, emulatorSnapshot(t, env))
	// Blocking again, as an undo would, works by the LID alone.
	if snap, err = e.SetBlocked(ctxT(t), n, true); err != nil {
		t.Fatal(err)
	}
	if got := lidsOf(env.Account(t, phone).BlocklistEntries); !slices.Equal(got, []string{named.LID}) || !slices.Equal(snap.Blocked, []string{n}) {
		t.Errorf("re-blocked: the server has %v, the engine shows %v", got, snap.Blocked)
	}
}

func TestLookedUpLIDsAreKeptInWhatsmeowsStore(t *testing.T) {
	env := emutest.Start(t)
	cli := env.LinkedClient(t, phone)
	e := engine.New(cli, engine.Options{})
	a := "5511944445555"
	if _, err := e.SetBlocked(ctxT(t), a, true); err != nil {
		t.Fatal(err)
	}
	got, err := cli.Store.LIDs.GetLIDForPN(ctxT(t), phoneJIDFor(a))
	if err != nil || got != env.LID(t, a) {
		t.Errorf("the LID store has %v (%v) for %s, want %v", got, err, a, env.LID(t, a))
	}
}

func TestMessagesCanChangeOnlyWhereTheAccountListsIt(t *testing.T) {
	env := emutest.Start(t)
	env.SetMessagesFeature(t, phone, false)
	e := engine.New(env.LinkedClient(t, phone), engine.Options{})
	snap, err := e.Snapshot(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, listed := snap.Settings[privacy.Messages]; listed {
		t.Fatalf("messages is listed on an account without the feature: %v", snap.Settings)
	}
	_, err = e.Apply(ctxT(t), privacy.Update{Settings: map[privacy.Category]privacy.Value{privacy.Messages: privacy.Contacts, privacy.LastSeen: privacy.Nobody}})
	var ee *engine.Error
	if !errors.As(err, &ee) || ee.Status != engine.StatusInvalid || ee.Fields[0].Field != "messages" {
		t.Fatalf("err = %v, want 400 on messages", err)
	}
	if env.Account(t, phone).Privacy["last"] == "none" {
		t.Error("the rest of the refused update was applied")
	}
}

func TestReadOnlyCategoriesAreShownNotSent(t *testing.T) {
	env, e := linked(t)
	snap, err := e.Snapshot(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	acc := env.Account(t, phone)
	for _, c := range []privacy.Category{privacy.Defense, privacy.Stickers} {
		if got, want := snap.Settings[c], privacy.Value(acc.Privacy[string(c)]); got == "" || got != want {
			t.Errorf("%s reads %q, the server has %q", c, got, want)
		}
		_, err := e.Apply(ctxT(t), privacy.Update{Settings: map[privacy.Category]privacy.Value{c: c.Values()[len(c.Values())-1]}})
		var ee *engine.Error
		if !errors.As(err, &ee) || ee.Status != engine.StatusInvalid {
			t.Errorf("setting %s: %v, want refused before sending", c, err)
		}
	}
}

func TestCallsFromMyContacts(t *testing.T) {
	env, e := linked(t)
	res, err := e.Apply(ctxT(t), privacy.Update{Settings: map[privacy.Category]privacy.Value{privacy.CallAdd: privacy.Contacts}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Snapshot.Settings[privacy.CallAdd] != privacy.Contacts || env.Account(t, phone).Privacy["calladd"] != "contacts" {
		t.Errorf("calladd: engine %s, server %s", res.Snapshot.Settings[privacy.CallAdd], env.Account(t, phone).Privacy["calladd"])
	}
}

// The phone's timer and blocks reach the engine although whatsmeow raises
// no event for the timer's push: the engine sees it through PushLog.
func TestTimerAndBlocksFollowThePhone(t *testing.T) {
	env, _, e := followingPushes(t)
	changes := make(chan engine.Change, 8)
	defer e.Subscribe(func(c engine.Change) { changes <- c })()
	next := func(what string, ok func(privacy.Snapshot) bool) {
		t.Helper()
		deadline := time.After(emutest.Timeout)
		for {
			select {
			case c := <-changes:
				if c.Source == engine.FromPhone && ok(c.Snapshot) {
					return
				}
			case <-deadline:
				t.Fatalf("%s never arrived", what)
			}
		}
	}
	env.PhoneTimer(t, phone, int(privacy.Timer90Days))
	next("the phone's timer", func(s privacy.Snapshot) bool { return s.DefaultTimer == privacy.Timer90Days })
	env.PhoneBlock(t, phone, []string{"5511966667777"}, nil)
	next("the phone's block", func(s privacy.Snapshot) bool { return slices.Equal(s.Blocked, []string{"5511966667777"}) })
}

func phoneJIDFor(p string) types.JID { return types.NewJID(p, types.DefaultUserServer) }
