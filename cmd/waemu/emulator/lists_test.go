package emulator_test

import (
	"errors"
	"net/http"
	"slices"
	"testing"

	"go.mau.fi/whatsmeow"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
)

// addressing runs a list test on a LID-migrated account or on a legacy
// phone-number one, building deltas and reading lists the way each takes.
type addressing struct {
	name string
	lid  bool
	want string // the account JSON's addressing
}

var bothAddressings = []addressing{{"migrated", true, "lid"}, {"legacy", false, "pn"}}

func (a addressing) setup(t *testing.T, e *env, phone string) {
	t.Helper()
	if !a.lid {
		e.LegacyAccount(t, phone)
	}
}

func (a addressing) user(t *testing.T, e *env, action, phone string) waBinary.Node {
	t.Helper()
	if a.lid {
		return lidUser(action, e.LID(t, phone), phoneJID(phone))
	}
	return pnUser(action, phone)
}

func (a addressing) read(t *testing.T, cli *whatsmeow.Client, name string) ([]string, string) {
	t.Helper()
	entries, dhash := readListAs(t, cli, name, a.lid, a.lid)
	return entryPhones(t, entries, a.lid), dhash
}

func (a addressing) change(t *testing.T, cli *whatsmeow.Client, name, dhash string, users ...waBinary.Node) waBinary.Node {
	t.Helper()
	return changeList(t, cli, name, dhash, a.lid, users...)
}

func TestExceptListsWithRotatingDHash(t *testing.T) {
	for i, mode := range bothAddressings {
		t.Run(mode.name, func(t *testing.T) {
			e := newEnv(t)
			phone := []string{"5511933332222", "5511933332223"}[i]
			mode.setup(t, e, phone)
			cli, _ := e.pairQR(t, phone)
			if got := e.Account(t, phone).Addressing; got != mode.want {
				t.Fatalf("account addressing %q", got)
			}

			for _, name := range []string{"last", "profile", "status", "groupadd"} {
				users, d0 := mode.read(t, cli, name)
				if len(users) != 0 || d0 == "" {
					t.Fatalf("%s: fresh list %v dhash %q", name, users, d0)
				}
				cat := mode.change(t, cli, name, d0, mode.user(t, e, "add", "5511911111111"), mode.user(t, e, "add", "5511922222222"))
				d1 := cat.AttrGetter().String("dhash")
				if cat.AttrGetter().String("value") != "contact_blacklist" || d1 == "" || d1 == d0 {
					t.Fatalf("%s: add reply %s", name, cat.String())
				}
				if users, d := mode.read(t, cli, name); !slices.Equal(users, []string{"5511911111111", "5511922222222"}) || d != d1 {
					t.Fatalf("%s: after add: %v dhash %q, want dhash %q", name, users, d, d1)
				}

				// A change based on the old version is refused inside a result IQ.
				stale := mode.change(t, cli, name, d0, mode.user(t, e, "remove", "5511911111111"))
				errNode, hasErr := stale.GetOptionalChildByTag("error")
				if stale.AttrGetter().String("value") != "error" || !hasErr || errNode.AttrGetter().Int("code") != 409 {
					t.Fatalf("%s: stale change reply %s, want value=error with error 409", name, stale.String())
				}
				if users, d := mode.read(t, cli, name); len(users) != 2 || d != d1 {
					t.Fatalf("%s: stale change altered the list: %v %q", name, users, d)
				}

				cat = mode.change(t, cli, name, d1, mode.user(t, e, "remove", "5511911111111"))
				if d2 := cat.AttrGetter().String("dhash"); d2 == d1 || d2 == d0 {
					t.Fatalf("%s: dhash did not rotate: %s", name, cat.String())
				}
				acc := e.Account(t, phone)
				if !slices.Equal(acc.Disallowed[name], []string{"5511922222222"}) || acc.Privacy[name] != "contact_blacklist" {
					t.Fatalf("%s: control API shows %v / %s", name, acc.Disallowed[name], acc.Privacy[name])
				}
				if got := acc.DisallowedEntries[name]; len(got) != 1 || got[0].Phone != "5511922222222" || got[0].LID != e.LID(t, "5511922222222").User {
					t.Fatalf("%s: control API entries %+v", name, got)
				}
			}

			// The phone edits a list: its dhash rotates, so the companion's copy is stale.
			_, d := mode.read(t, cli, "last")
			e.Control(t, "POST", "/control/accounts/"+phone+"/disallowed/last", map[string]any{"add": []string{"5511933334444"}}, http.StatusOK, nil)
			if users, d2 := mode.read(t, cli, "last"); d2 == d || !slices.Contains(users, "5511933334444") {
				t.Fatalf("after phone edit: %v dhash %q (was %q)", users, d2, d)
			}
			if stale := mode.change(t, cli, "last", d, mode.user(t, e, "add", "5511944445555")); stale.AttrGetter().String("value") != "error" {
				t.Fatalf("change on the pre-edit dhash accepted: %s", stale.String())
			}

			// Malformed list requests are bad requests.
			var attrs waBinary.Attrs
			if mode.lid {
				attrs = waBinary.Attrs{"addressing_mode": "lid"}
			}
			for _, bad := range []waBinary.Node{
				{Tag: "privacy", Attrs: attrs, Content: []waBinary.Node{{Tag: "list", Attrs: waBinary.Attrs{"name": "online"}}}},
				{Tag: "privacy", Attrs: attrs, Content: []waBinary.Node{{Tag: "category", Attrs: waBinary.Attrs{"name": "last", "value": "contact_blacklist"},
					Content: []waBinary.Node{mode.user(t, e, "add", "5511911111111")}}}}, // no dhash
				{Tag: "privacy", Attrs: attrs, Content: []waBinary.Node{{Tag: "category", Attrs: waBinary.Attrs{"name": "online", "value": "all", "dhash": "none"},
					Content: []waBinary.Node{mode.user(t, e, "add", "5511911111111")}}}}, // no list
				{Tag: "privacy", Attrs: attrs, Content: []waBinary.Node{{Tag: "category", Attrs: waBinary.Attrs{"name": "last", "value": "contact_blacklist", "dhash": "none"},
					Content: []waBinary.Node{mode.user(t, e, "mute", "5511911111111")}}}}, // no such action
			} {
				typ := "set"
				if firstTag(bad) == "list" {
					typ = "get"
				}
				if _, err := rawIQ(cli, "privacy", typ, bad); !errors.Is(err, whatsmeow.ErrIQBadRequest) {
					t.Errorf("%s: err = %v, want 400", bad.String(), err)
				}
			}
		})
	}
}

func firstTag(n waBinary.Node) string {
	if ch := n.GetChildren(); len(ch) > 0 {
		return ch[0].Tag
	}
	return ""
}

// A migrated account takes only the LID form (zapo PR #215).
func TestExceptListLIDForm(t *testing.T) {
	e := newEnv(t)
	const phone, a, b = "5511933330001", "5511933330002", "5511933330003"
	cli, _ := e.pairQR(t, phone)
	lidA, lidB := e.LID(t, a), e.LID(t, b)

	// A read without addressing_mode="lid" is refused.
	if _, err := readListRaw(cli, "last", false); !errors.Is(err, whatsmeow.ErrIQBadRequest) {
		t.Fatalf("read without addressing_mode: err = %v, want 400", err)
	}
	entries, d0 := readList(t, cli, "last")
	if len(entries) != 0 {
		t.Fatalf("fresh list %+v", entries)
	}

	// PN-form changes are refused and change nothing.
	for name, req := range map[string]func() (*waBinary.Node, error){
		"no addressing_mode":  func() (*waBinary.Node, error) { return changeListRaw(cli, "last", d0, false, pnUser("add", a)) },
		"PN user in LID mode": func() (*waBinary.Node, error) { return changeListRaw(cli, "last", d0, true, pnUser("add", a)) },
		"LID user without addressing_mode": func() (*waBinary.Node, error) {
			return changeListRaw(cli, "last", d0, false, lidUser("add", lidA, phoneJID(a)))
		},
		"pn_jid of another number": func() (*waBinary.Node, error) {
			return changeListRaw(cli, "last", d0, true, lidUser("add", lidA, phoneJID(b)))
		},
		"device LID": func() (*waBinary.Node, error) {
			dev := lidA
			dev.Device = 3
			return changeListRaw(cli, "last", d0, true, lidUser("add", dev, phoneJID(a)))
		},
	} {
		if _, err := req(); !errors.Is(err, whatsmeow.ErrIQBadRequest) {
			t.Errorf("%s: err = %v, want 400", name, err)
		}
	}
	if got := e.Account(t, phone).DisallowedEntries["last"]; len(got) != 0 {
		t.Fatalf("refused changes altered the list: %+v", got)
	}

	cat := changeList(t, cli, "last", d0, true, lidUser("add", lidA, phoneJID(a)), lidUser("add", lidB, phoneJID(b)))
	d1 := cat.AttrGetter().String("dhash")
	// The answer to a change carries no addressing_mode; the read does.
	entries, d := readList(t, cli, "last")
	want := []entry{{JID: lidA, PN: phoneJID(a)}, {JID: lidB, PN: phoneJID(b)}}
	if !slices.Equal(entries, want) || d != d1 {
		t.Fatalf("after add: %+v dhash %s, want %+v dhash %s", entries, d, want, d1)
	}

	// A remove by LID alone finds the entry.
	cat = changeList(t, cli, "last", d1, true, lidUser("remove", lidA, types.JID{}))
	if entries, _ := readList(t, cli, "last"); !slices.Equal(entries, want[1:]) || cat.AttrGetter().String("value") != "contact_blacklist" {
		t.Fatalf("after remove by LID: %+v (%s)", entries, cat.String())
	}
	// A LID the emulator handed out resolves to its number even without pn_jid.
	d2 := cat.AttrGetter().String("dhash")
	changeList(t, cli, "last", d2, true, lidUser("add", lidA, types.JID{}))
	if got := e.Account(t, phone).Disallowed["last"]; !slices.Equal(got, []string{b, a}) {
		t.Fatalf("add by known LID alone: %v", got)
	}
}

// A legacy account answers in PN mode whatever the read asks and refuses
// the LID form of a change.
func TestExceptListLegacyAccount(t *testing.T) {
	e := newEnv(t)
	const phone, a = "5511933330011", "5511933330012"
	e.LegacyAccount(t, phone)
	cli, _ := e.pairQR(t, phone)
	_, d0 := readListAs(t, cli, "profile", true, false) // asked in LID mode, answered in PN mode
	for name, users := range map[string][]waBinary.Node{
		"LID mode": {lidUser("add", e.LID(t, a), phoneJID(a))},
		"PN users": {pnUser("add", a)},
	} {
		if _, err := changeListRaw(cli, "profile", d0, true, users...); !errors.Is(err, whatsmeow.ErrIQBadRequest) {
			t.Errorf("addressing_mode=lid with %s: err = %v, want 400", name, err)
		}
	}
	if _, err := changeListRaw(cli, "profile", d0, false, lidUser("add", e.LID(t, a), phoneJID(a))); !errors.Is(err, whatsmeow.ErrIQBadRequest) {
		t.Errorf("LID user without addressing_mode: err = %v, want 400", err)
	}
	changeList(t, cli, "profile", d0, false, pnUser("add", a))
	if users, _ := readListPN(t, cli, "profile"); !slices.Equal(users, []string{a}) {
		t.Fatalf("legacy list %v", users)
	}
	// A bare category set needs no list addressing either way.
	if _, err := cli.SetPrivacySetting(ctxT(t), "profile", "contact_blacklist"); err != nil {
		t.Fatal(err)
	}
}

// Entries without a number: a LID with a username or display name.
func TestNumberlessEntries(t *testing.T) {
	e := newEnv(t)
	const phone, a = "5511933330021", "5511933330022"
	cli, _ := e.pairQR(t, phone)
	acc := e.PhoneEditList(t, phone, "status", []emulator.Entry{
		{Username: "maria.s"},
		{LID: "99887766554433", DisplayName: "Jo"},
		{Phone: a},
	}, nil)
	got := acc.DisallowedEntries["status"]
	if len(got) != 3 || len(acc.Disallowed["status"]) != 1 || acc.Disallowed["status"][0] != a {
		t.Fatalf("control API: disallowed %v, entries %+v", acc.Disallowed["status"], got)
	}
	userLID := types.NewJID(got[1].LID, types.HiddenUserServer)
	if got[1].Username != "maria.s" || got[1].Phone != "" || got[2].LID != "99887766554433" || got[2].DisplayName != "Jo" {
		t.Fatalf("control API entries %+v", got)
	}

	entries, d := readList(t, cli, "status")
	want := []entry{
		{JID: e.LID(t, a), PN: phoneJID(a)},
		{JID: userLID, Username: "maria.s"},
		{JID: types.NewJID("99887766554433", types.HiddenUserServer), DisplayName: "Jo"},
	}
	if !slices.Equal(entries, want) {
		t.Fatalf("read %+v, want %+v", entries, want)
	}
	// A companion removes one by LID alone.
	changeList(t, cli, "status", d, true, lidUser("remove", userLID, types.JID{}))
	if entries, _ := readList(t, cli, "status"); !slices.Equal(entries, []entry{want[0], want[2]}) {
		t.Fatalf("after removing by LID: %+v", entries)
	}

	// The blocklist takes them too.
	e.PhoneBlockEntries(t, phone, []emulator.Entry{{Username: "spam.bot"}}, nil)
	resp, err := rawIQ(cli, "blocklist", "get")
	if err != nil {
		t.Fatal(err)
	}
	items := parseEntries(resp.GetChildByTag("list"))
	if len(items) != 1 || items[0].Username != "spam.bot" || items[0].JID.Server != types.HiddenUserServer || !items[0].PN.IsEmpty() {
		t.Fatalf("blocklist %+v", items)
	}
	bl, err := cli.GetBlocklist(ctxT(t))
	if err != nil || len(bl.JIDs) != 1 || bl.JIDs[0] != items[0].JID {
		t.Fatalf("GetBlocklist %+v, %v", bl, err)
	}
	if _, err := cli.UpdateBlocklist(ctxT(t), items[0].JID, "unblock"); err != nil {
		t.Fatal(err)
	}
	if acc := e.Account(t, phone); len(acc.BlocklistEntries) != 0 {
		t.Fatalf("after unblock %+v", acc.BlocklistEntries)
	}

	// A legacy account has no LIDs in its lists.
	const legacy = "5511933330023"
	e.LegacyAccount(t, legacy)
	e.Control(t, "POST", "/control/accounts/"+legacy+"/disallowed/status", map[string]any{"addEntries": []emulator.Entry{{Username: "x"}}}, http.StatusBadRequest, nil)
	e.Control(t, "POST", "/control/accounts/"+legacy+"/blocklist", map[string]any{"blockEntries": []emulator.Entry{{Username: "x"}}}, http.StatusBadRequest, nil)
	// …and an account with such entries cannot become one.
	e.Control(t, "POST", "/control/accounts/"+phone, map[string]string{"addressing": "pn"}, http.StatusBadRequest, nil)
}
