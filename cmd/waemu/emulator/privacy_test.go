package emulator_test

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
)

// allValues is every category with WhatsApp's values, as issue 3 lists them.
var allValues = map[string][]string{
	"last":         {"all", "contacts", "contact_blacklist", "none"},
	"profile":      {"all", "contacts", "contact_blacklist", "none"},
	"status":       {"all", "contacts", "contact_blacklist", "none"},
	"online":       {"all", "match_last_seen"},
	"readreceipts": {"all", "none"},
	"groupadd":     {"all", "contacts", "contact_blacklist"},
	"calladd":      {"all", "known"},
	"messages":     {"all", "contacts"},
}

// readCategory reads one category from a raw privacy GET, which also covers
// "messages", a category the pinned whatsmeow does not parse.
func readCategory(t *testing.T, cli *whatsmeow.Client, name string) string {
	t.Helper()
	resp, err := rawIQ(cli, "privacy", "get", waBinary.Node{Tag: "privacy"})
	if err != nil {
		t.Fatal(err)
	}
	p := resp.GetChildByTag("privacy")
	for _, c := range p.GetChildren() {
		if ag := c.AttrGetter(); ag.String("name") == name {
			return ag.String("value")
		}
	}
	t.Fatalf("no category %s in %s", name, resp.String())
	return ""
}

func TestEveryCategorySetAndReadBack(t *testing.T) {
	e := newEnv(t)
	const phone = "5511955554444"
	cli, _ := e.pairQR(t, phone)
	for name, values := range allValues {
		// Walk the values backwards, so each set changes the value.
		for _, v := range slices.Backward(values) {
			if _, err := cli.SetPrivacySetting(ctxT(t), types.PrivacySettingType(name), types.PrivacySetting(v)); err != nil {
				t.Fatalf("set %s=%s: %v", name, v, err)
			}
			if got := readCategory(t, cli, name); got != v {
				t.Fatalf("%s read back %q after setting %q", name, got, v)
			}
			if got := e.Account(t, phone).Privacy[name]; got != v {
				t.Fatalf("control API shows %s=%q after setting %q", name, got, v)
			}
		}
	}
	// whatsmeow's own parser agrees for the categories it knows.
	s, err := cli.TryFetchPrivacySettings(ctxT(t), true)
	if err != nil {
		t.Fatal(err)
	}
	if s.LastSeen != "all" || s.Online != "all" || s.GroupAdd != "all" || s.CallAdd != "all" || s.ReadReceipts != "all" {
		t.Fatalf("TryFetchPrivacySettings = %+v", s)
	}
}

func TestInvalidPrivacyRefused(t *testing.T) {
	e := newEnv(t)
	const phone = "5511944443333"
	cli, _ := e.pairQR(t, phone)
	before := e.Account(t, phone)
	for _, c := range []struct{ name, value string }{
		{"online", "contacts"},   // not a value of online
		{"groupadd", "none"},     // WhatsApp offers no "nobody" for groups
		{"readreceipts", "all "}, // exact values only
		{"lastseen", "all"},      // unknown category
		{"last", ""},
	} {
		_, err := cli.SetPrivacySetting(ctxT(t), types.PrivacySettingType(c.name), types.PrivacySetting(c.value))
		if !errors.Is(err, whatsmeow.ErrIQBadRequest) {
			t.Errorf("set %s=%q: err = %v, want 400 bad-request", c.name, c.value, err)
		}
	}
	// A set with one bad category among good ones changes nothing either.
	_, err := rawIQ(cli, "privacy", "set", waBinary.Node{Tag: "privacy", Content: []waBinary.Node{
		{Tag: "category", Attrs: waBinary.Attrs{"name": "last", "value": "none"}},
		{Tag: "category", Attrs: waBinary.Attrs{"name": "calladd", "value": "nobody"}},
	}})
	if !errors.Is(err, whatsmeow.ErrIQBadRequest) {
		t.Errorf("mixed set: err = %v, want 400", err)
	}
	if after := e.Account(t, phone); !mapsEqual(after.Privacy, before.Privacy) {
		t.Fatalf("privacy changed by refused sets: %v → %v", before.Privacy, after.Privacy)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// list helpers: the except lists have no whatsmeow API, so apps send raw IQs.

func readList(t *testing.T, cli *whatsmeow.Client, name string) (users []string, dhash string) {
	t.Helper()
	resp, err := rawIQ(cli, "privacy", "get", waBinary.Node{Tag: "privacy", Content: []waBinary.Node{
		{Tag: "list", Attrs: waBinary.Attrs{"name": name, "value": "contact_blacklist"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	list, ok := resp.GetOptionalChildByTag("privacy", "list")
	if !ok {
		t.Fatalf("no list in %s", resp.String())
	}
	for _, u := range list.GetChildren() {
		users = append(users, u.AttrGetter().JID("jid").User)
	}
	return users, list.AttrGetter().String("dhash")
}

// changeList sends add/remove deltas with a dhash; it returns the reply's category.
func changeList(t *testing.T, cli *whatsmeow.Client, name, dhash string, add, remove []string) waBinary.Node {
	t.Helper()
	var users []waBinary.Node
	for _, p := range add {
		users = append(users, waBinary.Node{Tag: "user", Attrs: waBinary.Attrs{"action": "add", "jid": phoneJID(p)}})
	}
	for _, p := range remove {
		users = append(users, waBinary.Node{Tag: "user", Attrs: waBinary.Attrs{"action": "remove", "jid": phoneJID(p)}})
	}
	resp, err := rawIQ(cli, "privacy", "set", waBinary.Node{Tag: "privacy", Content: []waBinary.Node{{
		Tag: "category", Attrs: waBinary.Attrs{"name": name, "value": "contact_blacklist", "dhash": dhash}, Content: users,
	}}})
	if err != nil {
		t.Fatalf("list change: %v", err)
	}
	return resp.GetChildByTag("privacy", "category")
}

func TestExceptListsWithRotatingDHash(t *testing.T) {
	e := newEnv(t)
	const phone = "5511933332222"
	cli, _ := e.pairQR(t, phone)

	for _, name := range []string{"last", "profile", "status", "groupadd"} {
		users, d0 := readList(t, cli, name)
		if len(users) != 0 || d0 == "" {
			t.Fatalf("%s: fresh list %v dhash %q", name, users, d0)
		}
		cat := changeList(t, cli, name, d0, []string{"5511911111111", "5511922222222"}, nil)
		d1 := cat.AttrGetter().String("dhash")
		if cat.AttrGetter().String("value") != "contact_blacklist" || d1 == "" || d1 == d0 {
			t.Fatalf("%s: add reply %s", name, cat.String())
		}
		if users, d := readList(t, cli, name); !slices.Equal(users, []string{"5511911111111", "5511922222222"}) || d != d1 {
			t.Fatalf("%s: after add: %v dhash %q, want dhash %q", name, users, d, d1)
		}

		// A change based on the old version is refused inside a result IQ.
		stale := changeList(t, cli, name, d0, nil, []string{"5511911111111"})
		errNode, hasErr := stale.GetOptionalChildByTag("error")
		if stale.AttrGetter().String("value") != "error" || !hasErr || errNode.AttrGetter().Int("code") != 409 {
			t.Fatalf("%s: stale change reply %s, want value=error with error 409", name, stale.String())
		}
		if users, d := readList(t, cli, name); len(users) != 2 || d != d1 {
			t.Fatalf("%s: stale change altered the list: %v %q", name, users, d)
		}

		cat = changeList(t, cli, name, d1, nil, []string{"5511911111111"})
		if d2 := cat.AttrGetter().String("dhash"); d2 == d1 || d2 == d0 {
			t.Fatalf("%s: dhash did not rotate: %s", name, cat.String())
		}
		if acc := e.Account(t, phone); !slices.Equal(acc.Disallowed[name], []string{"5511922222222"}) || acc.Privacy[name] != "contact_blacklist" {
			t.Fatalf("%s: control API shows %v / %s", name, acc.Disallowed[name], acc.Privacy[name])
		}
	}

	// The phone edits a list: its dhash rotates, so the companion's copy is stale.
	_, d := readList(t, cli, "last")
	e.Control(t, "POST", "/control/accounts/"+phone+"/disallowed/last", map[string]any{"add": []string{"5511933334444"}}, http.StatusOK, nil)
	if users, d2 := readList(t, cli, "last"); d2 == d || !slices.Contains(users, "5511933334444") {
		t.Fatalf("after phone edit: %v dhash %q (was %q)", users, d2, d)
	}
	if stale := changeList(t, cli, "last", d, []string{"5511944445555"}, nil); stale.AttrGetter().String("value") != "error" {
		t.Fatalf("change on the pre-edit dhash accepted: %s", stale.String())
	}

	// Malformed list requests are bad requests.
	for _, bad := range []waBinary.Node{
		{Tag: "privacy", Content: []waBinary.Node{{Tag: "list", Attrs: waBinary.Attrs{"name": "online"}}}},
		{Tag: "privacy", Content: []waBinary.Node{{Tag: "category", Attrs: waBinary.Attrs{"name": "last", "value": "contact_blacklist"},
			Content: []waBinary.Node{{Tag: "user", Attrs: waBinary.Attrs{"action": "add", "jid": phoneJID("5511911111111")}}}}}}, // no dhash
		{Tag: "privacy", Content: []waBinary.Node{{Tag: "category", Attrs: waBinary.Attrs{"name": "online", "value": "all", "dhash": "none"},
			Content: []waBinary.Node{{Tag: "user", Attrs: waBinary.Attrs{"action": "add", "jid": phoneJID("5511911111111")}}}}}}, // no list
	} {
		typ := "set"
		if firstTag(bad) == "list" {
			typ = "get"
		}
		if _, err := rawIQ(cli, "privacy", typ, bad); !errors.Is(err, whatsmeow.ErrIQBadRequest) {
			t.Errorf("%s: err = %v, want 400", bad.String(), err)
		}
	}
}

func firstTag(n waBinary.Node) string {
	if ch := n.GetChildren(); len(ch) > 0 {
		return ch[0].Tag
	}
	return ""
}

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
	if bl, err = cli.UpdateBlocklist(ctxT(t), a, events.BlocklistChangeActionBlock); err != nil || !slices.Equal(bl.JIDs, []types.JID{a}) {
		t.Fatalf("block a: %+v, %v", bl, err)
	}
	// The other companion hears about it.
	push := waitFor[*events.Blocklist](t, otherRec)
	if len(push.Changes) != 1 || push.Changes[0].JID != a || push.Changes[0].Action != events.BlocklistChangeActionBlock || push.DHash != bl.DHash {
		t.Fatalf("blocklist push %+v, list dhash %s", push, bl.DHash)
	}
	prev := bl.DHash
	if bl, err = cli.UpdateBlocklist(ctxT(t), b, events.BlocklistChangeActionBlock); err != nil || len(bl.JIDs) != 2 || bl.DHash == prev {
		t.Fatalf("block b: %+v, %v", bl, err)
	}
	if bl, err = cli.UpdateBlocklist(ctxT(t), a, events.BlocklistChangeActionUnblock); err != nil || !slices.Equal(bl.JIDs, []types.JID{b}) {
		t.Fatalf("unblock a: %+v, %v", bl, err)
	}
	if got, err := other.GetBlocklist(ctxT(t)); err != nil || !slices.Equal(got.JIDs, []types.JID{b}) || got.DHash != bl.DHash {
		t.Fatalf("other companion reads %+v, %v", got, err)
	}
	if acc := e.Account(t, phone); !slices.Equal(acc.Blocklist, []string{"5511987654322"}) {
		t.Fatalf("control API blocklist %v", acc.Blocklist)
	}
	if _, err := cli.UpdateBlocklist(ctxT(t), b, "mute"); !errors.Is(err, whatsmeow.ErrIQBadRequest) {
		t.Fatalf("unknown action: err = %v, want 400", err)
	}
	if _, err := cli.UpdateBlocklist(ctxT(t), types.NewJID("123", types.GroupServer), events.BlocklistChangeActionBlock); !errors.Is(err, whatsmeow.ErrIQBadRequest) {
		t.Fatalf("group jid: err = %v, want 400", err)
	}
}

func TestDefaultDisappearingTimer(t *testing.T) {
	e := newEnv(t)
	const phone = "5511911110000"
	cli, _ := e.pairQR(t, phone)
	read := func() string {
		resp, err := rawIQ(cli, "disappearing_mode", "get")
		if err != nil {
			t.Fatal(err)
		}
		dm := resp.GetChildByTag("disappearing_mode")
		return dm.AttrGetter().String("duration")
	}
	if got := read(); got != "0" {
		t.Fatalf("fresh timer %s", got)
	}
	for _, d := range []time.Duration{24 * time.Hour, 7 * 24 * time.Hour, 90 * 24 * time.Hour, 0} {
		if err := cli.SetDefaultDisappearingTimer(ctxT(t), d); err != nil {
			t.Fatalf("set %s: %v", d, err)
		}
		secs := int(d.Seconds())
		if got := read(); got != strconv.Itoa(secs) {
			t.Fatalf("set %s, read %s", d, got)
		}
		if got := e.Account(t, phone).DefaultDisappearingSeconds; got != secs {
			t.Fatalf("control API shows %d after %s", got, d)
		}
	}
	if err := cli.SetDefaultDisappearingTimer(ctxT(t), time.Hour); !errors.Is(err, whatsmeow.ErrIQBadRequest) {
		t.Fatalf("1h: err = %v, want 400", err)
	}
	if got := read(); got != "0" {
		t.Fatalf("refused timer changed it to %s", got)
	}
}

func TestStatusAudienceRead(t *testing.T) {
	e := newEnv(t)
	cli, _ := e.pairQR(t, "5511900001111")
	got, err := cli.GetStatusPrivacy(ctxT(t))
	if err != nil || len(got) != 1 || got[0].Type != types.StatusPrivacyTypeContacts || !got[0].IsDefault {
		t.Fatalf("status privacy %+v, %v", got, err)
	}
}

func TestPushFromPhone(t *testing.T) {
	e := newEnv(t)
	const phone = "5511900002222"
	cli, rec := e.pairQR(t, phone)
	e.Control(t, "POST", "/control/accounts/"+phone+"/privacy", map[string]string{"last": "none", "profile": "contacts"}, http.StatusOK, nil)
	evt := waitFor[*events.PrivacySettings](t, rec)
	if !evt.LastSeenChanged || !evt.ProfileChanged || evt.OnlineChanged {
		t.Fatalf("event %+v", evt)
	}
	// The event's NewSettings is never filled (whatsmeow bug, protocol.md §5.7); the cache is.
	s, err := cli.TryFetchPrivacySettings(ctxT(t), false)
	if err != nil || s.LastSeen != "none" || s.Profile != "contacts" {
		t.Fatalf("cached settings %+v, %v", s, err)
	}

	// An invalid change from the phone is refused whole and pushes nothing.
	e.Control(t, "POST", "/control/accounts/"+phone+"/privacy", map[string]string{"last": "all", "online": "none"}, http.StatusBadRequest, nil)
	e.Control(t, "POST", "/control/accounts/"+phone+"/privacy", map[string]string{"status": "none"}, http.StatusOK, nil)
	if evt := waitFor[*events.PrivacySettings](t, rec); !evt.StatusChanged || evt.LastSeenChanged {
		t.Fatalf("next event %+v: the refused change was pushed", evt)
	}
	if got := e.Account(t, phone).Privacy["last"]; got != "none" {
		t.Fatalf("refused change applied: last=%s", got)
	}

	// A list edit on the phone is pushed too, so the app re-reads the list.
	e.Control(t, "POST", "/control/accounts/"+phone+"/disallowed/profile", map[string]any{"add": []string{"5511988880000"}}, http.StatusOK, nil)
	if evt := waitFor[*events.PrivacySettings](t, rec); !evt.ProfileChanged {
		t.Fatalf("list edit event %+v", evt)
	}
}
