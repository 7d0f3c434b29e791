package appstate_test

import (
	"testing"
	"time"

	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
	"github.com/waprivacy/waprivacy/wasm/appstate"
	"github.com/waprivacy/waprivacy/wasm/privacy"
	"github.com/waprivacy/waprivacy/wasm/session"
)

// The glance a linked page leaves shows, at the next start, the account
// and the settings the emulator holds, as connecting and not live; an
// unlinked page leaves none.
func TestTheGlanceShowsTheLastKnownSettingsUntilUnlinked(t *testing.T) {
	env := emutest.Start(t)
	n := &network{addr: env.Addr()}
	p := link(t, env, n, newStore())
	g, ok := appstate.GlanceOf(p.core.View())
	if !ok {
		t.Fatalf("a linked page with live settings leaves no glance: %+v", p.core.View())
	}
	data, err := g.Encode()
	if err != nil {
		t.Fatal(err)
	}
	stored, err := appstate.ParseGlance(data)
	if err != nil {
		t.Fatalf("the glance does not read back: %v\n%s", err, data)
	}
	v := stored.View()
	if v.Phase != appstate.PhaseStarting || v.Live || !v.HasPrivacy || !v.Linked() ||
		v.Current.Phone != phone || v.Current.State != session.StateConnecting {
		t.Errorf("the glance shows %+v, want %s's settings, starting, connecting, not live", v, phone)
	}
	if v.KnownAt.IsZero() || time.Since(v.KnownAt) > emutest.Timeout {
		t.Errorf("the glance says the settings were known at %v", v.KnownAt)
	}
	held := env.Account(t, phone).Privacy
	for c, want := range held {
		if got := v.Privacy.Settings[privacy.Category(c)]; string(got) != want {
			t.Errorf("the glance shows %s=%q, the emulator holds %q", c, got, want)
		}
	}
	if len(v.Privacy.Settings) != len(held) {
		t.Errorf("the glance shows %d settings, the emulator holds %d", len(v.Privacy.Settings), len(held))
	}

	if err := p.core.Unlink(ctxT(t), phone); err != nil {
		t.Fatal(err)
	}
	after := p.until(t, "the account unlinked", func(v appstate.View) bool { return !v.Linked() })
	if _, ok := appstate.GlanceOf(after); ok || g.Allowed(after) {
		t.Errorf("an unlinked page still leaves a glance: %+v", after)
	}
}

// Only the account the next start shows first leaves a glance: another
// one on screen leaves the stored glance as it is, and it stays allowed
// while its account is linked.
func TestOnlyTheFirstAccountLeavesAGlance(t *testing.T) {
	first := session.Status{Account: "5511911112222", Phone: "5511911112222", State: session.StateConnected}
	second := session.Status{Account: phone, Phone: phone, State: session.StateConnected}
	v := appstate.View{Phase: appstate.PhaseReady, Accounts: []session.Status{first, second}, Current: second,
		Privacy:    privacy.Snapshot{Settings: map[privacy.Category]privacy.Value{privacy.LastSeen: privacy.Contacts}},
		HasPrivacy: true, KnownAt: time.Now()}
	if g, ok := appstate.GlanceOf(v); ok {
		t.Errorf("the second account on screen leaves the glance %+v", g)
	}
	kept := appstate.Glance{Account: first.Account, Phone: first.Phone, KnownAt: time.Now()}
	if !kept.Allowed(v) {
		t.Error("the first account's glance is refused while it is linked")
	}
	v.Current = first
	if g, ok := appstate.GlanceOf(v); !ok || g.Account != first.Account {
		t.Errorf("the first account on screen leaves %+v, %v", g, ok)
	}
	v.Accounts = []session.Status{second}
	if kept.Allowed(v) {
		t.Error("the glance of an account no longer listed is still allowed")
	}
}

// A glance that is damaged, or holds what this version cannot show, is
// refused with a reason, and so shows nothing.
func TestADamagedGlanceIsRefused(t *testing.T) {
	good := `{"account":"5511988887777","phone":"5511988887777","knownAt":"2026-12-03T10:00:00Z","privacy":{"Settings":{"last":"contacts"}}}`
	if _, err := appstate.ParseGlance([]byte(good)); err != nil {
		t.Fatalf("a sound glance is refused: %v", err)
	}
	for name, data := range map[string]string{
		"empty":            ``,
		"cut short":        good[:40],
		"not an object":    `[1,2]`,
		"no account":       `{"phone":"5511988887777","knownAt":"2026-12-03T10:00:00Z","privacy":{"Settings":{"last":"contacts"}}}`,
		"a phone of words": `{"account":"a","phone":"five","knownAt":"2026-12-03T10:00:00Z","privacy":{"Settings":{"last":"contacts"}}}`,
		"no time":          `{"account":"5511988887777","phone":"5511988887777","privacy":{"Settings":{"last":"contacts"}}}`,
		"no settings":      `{"account":"5511988887777","phone":"5511988887777","knownAt":"2026-12-03T10:00:00Z","privacy":{}}`,
		"unknown value":    `{"account":"5511988887777","phone":"5511988887777","knownAt":"2026-12-03T10:00:00Z","privacy":{"Settings":{"last":"friends"}}}`,
		"unknown setting":  `{"account":"5511988887777","phone":"5511988887777","knownAt":"2026-12-03T10:00:00Z","privacy":{"Settings":{"mood":"contacts"}}}`,
	} {
		if g, err := appstate.ParseGlance([]byte(data)); err == nil {
			t.Errorf("%s: a glance was read: %+v", name, g)
		}
	}
}
