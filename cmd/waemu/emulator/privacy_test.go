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

// allValues is every category with WhatsApp's values (whatsmeow
// types/user.go, WA Web WAWebPrivacySettings); the first is the default.
var allValues = map[string][]string{
	"last":         {"all", "contacts", "contact_blacklist", "none"},
	"profile":      {"all", "contacts", "contact_blacklist", "none"},
	"status":       {"all", "contacts", "contact_blacklist", "none"},
	"online":       {"all", "match_last_seen"},
	"readreceipts": {"all", "none"},
	"groupadd":     {"all", "contacts", "contact_blacklist"},
	"calladd":      {"all", "known", "contacts"},
	"messages":     {"all", "contacts"},
	"defense":      {"off", "on_standard"},
	"stickers":     {"contacts", "contact_allowlist", "none"},
}

// readCategory reads one category from a raw privacy GET.
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
		if name == "defense" {
			continue // only the phone changes it: TestCategoriesOfToday
		}
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
	if s.LastSeen != "all" || s.Online != "all" || s.GroupAdd != "all" || s.CallAdd != "all" || s.ReadReceipts != "all" ||
		s.Messages != "all" || s.Stickers != "contacts" || s.Defense != "off" {
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
		{"calladd", "none"},
		{"stickers", "all"},
		{"defense", "on"},
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
