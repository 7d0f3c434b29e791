package emulator_test

import (
	"errors"
	"slices"
	"testing"

	"go.mau.fi/whatsmeow"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
)

// whatsmeow's own UpdateBlocklist, on a migrated account: it resolves the
// number's LID by GetUserInfo (a usync query) and blocks by LID.
func TestBlockAndUnblock(t *testing.T) {
	e := newEnv(t)
	const phone = "5511922221111"
	cli, _ := e.pairQR(t, phone)
	other, otherRec := e.pairQR(t, phone)

	bl, err := cli.GetBlocklist(ctxT(t))
	if err != nil || len(bl.JIDs) != 0 {
		t.Fatalf("fresh blocklist %+v, %v", bl, err)
	}
	a, b := phoneJID("5511987654321"), phoneJID("5511987654322")
	lidA, lidB := e.LID(t, a.User), e.LID(t, b.User)
	if bl, err = cli.UpdateBlocklist(ctxT(t), a, events.BlocklistChangeActionBlock); err != nil || !slices.Equal(bl.JIDs, []types.JID{lidA}) {
		t.Fatalf("block a: %+v, %v", bl, err)
	}
	// The other companion hears about it, by LID.
	push := waitFor[*events.Blocklist](t, otherRec)
	if len(push.Changes) != 1 || push.Changes[0].JID != lidA || push.Changes[0].Action != events.BlocklistChangeActionBlock || push.DHash != bl.DHash {
		t.Fatalf("blocklist push %+v, list dhash %s", push, bl.DHash)
	}
	prev := bl.DHash
	if bl, err = cli.UpdateBlocklist(ctxT(t), b, events.BlocklistChangeActionBlock); err != nil || len(bl.JIDs) != 2 || bl.DHash == prev {
		t.Fatalf("block b: %+v, %v", bl, err)
	}
	if bl, err = cli.UpdateBlocklist(ctxT(t), a, events.BlocklistChangeActionUnblock); err != nil || !slices.Equal(bl.JIDs, []types.JID{lidB}) {
		t.Fatalf("unblock a: %+v, %v", bl, err)
	}
	if push := waitFor[*events.Blocklist](t, otherRec); push.Changes[0].JID != lidB {
		t.Fatalf("second push %+v", push)
	}
	if push := waitFor[*events.Blocklist](t, otherRec); push.Changes[0].JID != lidA || push.Changes[0].Action != events.BlocklistChangeActionUnblock || push.DHash != bl.DHash {
		t.Fatalf("unblock push %+v", push)
	}
	if got, err := other.GetBlocklist(ctxT(t)); err != nil || !slices.Equal(got.JIDs, []types.JID{lidB}) || got.DHash != bl.DHash {
		t.Fatalf("other companion reads %+v, %v", got, err)
	}
	acc := e.Account(t, phone)
	if !slices.Equal(acc.Blocklist, []string{b.User}) || len(acc.BlocklistEntries) != 1 || acc.BlocklistEntries[0].LID != lidB.User {
		t.Fatalf("control API blocklist %v %+v", acc.Blocklist, acc.BlocklistEntries)
	}

	// The raw answer is keyed by LID and carries the number.
	resp, err := rawIQ(cli, "blocklist", "get")
	if err != nil {
		t.Fatal(err)
	}
	list := resp.GetChildByTag("list")
	if list.AttrGetter().OptionalString("addressing_mode") != "lid" || !slices.Equal(parseEntries(list), []entry{{JID: lidB, PN: b}}) {
		t.Fatalf("raw blocklist %s", resp.String())
	}

	if _, err := cli.UpdateBlocklist(ctxT(t), b, "mute"); !errors.Is(err, whatsmeow.ErrIQBadRequest) {
		t.Fatalf("unknown action: err = %v, want 400", err)
	}
	if _, err := cli.UpdateBlocklist(ctxT(t), types.NewJID("123", types.GroupServer), events.BlocklistChangeActionBlock); !errors.Is(err, whatsmeow.ErrIQBadRequest) {
		t.Fatalf("group jid: err = %v, want 400", err)
	}
	if _, err := cli.UpdateBlocklist(ctxT(t), phoneJID(phone), events.BlocklistChangeActionBlock); !errors.Is(err, whatsmeow.ErrIQBadRequest) {
		t.Fatalf("self: err = %v, want 400", err)
	}
}

// The phone-number forms a migrated account refuses, and the LID forms it takes.
func TestBlocklistLIDForms(t *testing.T) {
	e := newEnv(t)
	const phone, a = "5511922222001", "5511922222002"
	cli, _ := e.pairQR(t, phone)
	lidA := e.LID(t, a)

	// A block by phone JID alone (whatsapp-rust PR #600) and by LID with a
	// mismatched number are refused.
	for name, attrs := range map[string]waBinary.Attrs{
		"PN block":        {"action": "block", "jid": phoneJID(a)},
		"PN with pn_jid":  {"action": "block", "jid": phoneJID(a), "pn_jid": phoneJID(a)},
		"wrong pn_jid":    {"action": "block", "jid": lidA, "pn_jid": phoneJID("5511922222003")},
		"pn_jid not a PN": {"action": "block", "jid": lidA, "pn_jid": lidA},
		"no action":       {"jid": lidA, "pn_jid": phoneJID(a)},
	} {
		if _, err := rawBlock(cli, attrs); !errors.Is(err, whatsmeow.ErrIQBadRequest) {
			t.Errorf("%s: err = %v, want 400", name, err)
		}
	}
	if got := e.Account(t, phone).BlocklistEntries; len(got) != 0 {
		t.Fatalf("refused blocks changed the list: %+v", got)
	}

	resp, err := rawBlock(cli, waBinary.Attrs{"action": "block", "jid": lidA, "pn_jid": phoneJID(a)})
	if err != nil {
		t.Fatal(err)
	}
	// The set answer carries the whole updated list.
	if list := resp.GetChildByTag("list"); !slices.Equal(parseEntries(list), []entry{{JID: lidA, PN: phoneJID(a)}}) || list.AttrGetter().String("dhash") == "" {
		t.Fatalf("block answer %s", resp.String())
	}
	// Unblocking a migrated entry by phone JID is refused (zapo PR #208).
	if _, err := rawBlock(cli, waBinary.Attrs{"action": "unblock", "jid": phoneJID(a)}); !errors.Is(err, whatsmeow.ErrIQBadRequest) {
		t.Fatalf("unblock by PN: err = %v, want 400", err)
	}
	if _, err := rawBlock(cli, waBinary.Attrs{"action": "unblock", "jid": lidA}); err != nil {
		t.Fatalf("unblock by LID: %v", err)
	}

	// A block by LID alone: a LID the server handed out resolves to its
	// number; an unknown one becomes an entry without a number.
	if _, err := rawBlock(cli, waBinary.Attrs{"action": "block", "jid": lidA}); err != nil {
		t.Fatalf("block by known LID alone: %v", err)
	}
	unknown := types.NewJID("123456789012345", types.HiddenUserServer)
	if _, err := rawBlock(cli, waBinary.Attrs{"action": "block", "jid": unknown, "unknown_identifier": "true"}); err != nil {
		t.Fatalf("block by unknown LID: %v", err)
	}
	acc := e.Account(t, phone)
	if !slices.Equal(acc.Blocklist, []string{a}) || len(acc.BlocklistEntries) != 2 || acc.BlocklistEntries[1].LID != unknown.User || acc.BlocklistEntries[1].Phone != "" {
		t.Fatalf("after LID-only blocks: %v %+v", acc.Blocklist, acc.BlocklistEntries)
	}
	bl, err := cli.GetBlocklist(ctxT(t))
	if err != nil || !slices.Equal(bl.JIDs, []types.JID{lidA, unknown}) {
		t.Fatalf("GetBlocklist %+v, %v", bl, err)
	}
}

// A legacy account keeps phone-number blocking, and refuses the LID form
// that whatsmeow's UpdateBlocklist always sends.
func TestBlocklistLegacyAccount(t *testing.T) {
	e := newEnv(t)
	const phone, a = "5511922223001", "5511922223002"
	e.LegacyAccount(t, phone)
	cli, _ := e.pairQR(t, phone)
	_, otherRec := e.pairQR(t, phone)

	if _, err := cli.UpdateBlocklist(ctxT(t), phoneJID(a), events.BlocklistChangeActionBlock); !errors.Is(err, whatsmeow.ErrIQBadRequest) {
		t.Fatalf("LID-form block on a legacy account: err = %v, want 400", err)
	}
	resp, err := rawBlock(cli, waBinary.Attrs{"action": "block", "jid": phoneJID(a)})
	if err != nil {
		t.Fatal(err)
	}
	list := resp.GetChildByTag("list")
	if _, has := list.Attrs["addressing_mode"]; has || !slices.Equal(parseEntries(list), []entry{{JID: phoneJID(a)}}) {
		t.Fatalf("legacy block answer %s", resp.String())
	}
	if push := waitFor[*events.Blocklist](t, otherRec); len(push.Changes) != 1 || push.Changes[0].JID != phoneJID(a) {
		t.Fatalf("legacy push %+v", push)
	}
	bl, err := cli.GetBlocklist(ctxT(t))
	if err != nil || !slices.Equal(bl.JIDs, []types.JID{phoneJID(a)}) {
		t.Fatalf("GetBlocklist %+v, %v", bl, err)
	}
	if _, err := rawBlock(cli, waBinary.Attrs{"action": "unblock", "jid": e.LID(t, a)}); !errors.Is(err, whatsmeow.ErrIQBadRequest) {
		t.Fatalf("unblock by LID on a legacy account: err = %v, want 400", err)
	}
	if _, err := rawBlock(cli, waBinary.Attrs{"action": "unblock", "jid": phoneJID(a)}); err != nil {
		t.Fatal(err)
	}
	if acc := e.Account(t, phone); len(acc.Blocklist) != 0 || acc.Addressing != "pn" {
		t.Fatalf("after unblock: %+v", acc)
	}
}

// A block or unblock made on the phone is pushed like one from a companion.
func TestBlockFromPhone(t *testing.T) {
	e := newEnv(t)
	const phone, a = "5511922224001", "5511922224002"
	cli, rec := e.pairQR(t, phone)
	acc := e.PhoneBlock(t, phone, []string{a}, nil)
	push := waitFor[*events.Blocklist](t, rec)
	if len(push.Changes) != 1 || push.Changes[0].JID != e.LID(t, a) || push.Changes[0].Action != events.BlocklistChangeActionBlock || push.PrevDHash != "none" {
		t.Fatalf("push %+v", push)
	}
	if !slices.Equal(acc.Blocklist, []string{a}) {
		t.Fatalf("account %+v", acc)
	}
	if bl, err := cli.GetBlocklist(ctxT(t)); err != nil || bl.DHash != push.DHash {
		t.Fatalf("GetBlocklist %+v, %v; push dhash %s", bl, err, push.DHash)
	}
	e.PhoneBlock(t, phone, nil, []string{a})
	if push := waitFor[*events.Blocklist](t, rec); push.Changes[0].Action != events.BlocklistChangeActionUnblock {
		t.Fatalf("unblock push %+v", push)
	}
}
