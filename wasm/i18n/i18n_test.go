package i18n

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/waprivacy/waprivacy/wasm/presets"
	"github.com/waprivacy/waprivacy/wasm/privacy"
	"github.com/waprivacy/waprivacy/wasm/session"
)

var verbs = regexp.MustCompile(`%[a-z]`)

func TestEveryTextInBothLanguagesWithTheSamePlaceholders(t *testing.T) {
	for key, m := range messages {
		if strings.TrimSpace(m.en) == "" || strings.TrimSpace(m.pt) == "" {
			t.Errorf("%s is missing a language: %+v", key, m)
		}
		if a, b := verbs.FindAllString(m.en, -1), verbs.FindAllString(m.pt, -1); !slices.Equal(a, b) {
			t.Errorf("%s: placeholders %v in English, %v in Portuguese", key, a, b)
		}
	}
}

// TestEveryNameOfTheModelHasText walks the model, so a new category, value,
// timer, state or preset without texts fails here rather than showing its
// key on screen.
func TestEveryNameOfTheModelHasText(t *testing.T) {
	var keys []string
	for _, c := range privacy.Categories() {
		keys = append(keys, "category."+string(c), "question."+string(c))
	}
	for _, st := range []session.State{session.StateConnecting, session.StateWaitingScan, session.StateConnected,
		session.StateUnreachable, session.StateCodeExpired, session.StateReplaced, session.StateLoggedOut, session.StateOutdated} {
		keys = append(keys, "state."+string(st))
	}
	for _, st := range []session.State{session.StateCodeExpired, session.StateReplaced, session.StateLoggedOut, session.StateOutdated} {
		keys = append(keys, "connect."+string(st), "connect."+string(st)+".hint")
	}
	// The dashboard's banner words the states that stop the connection.
	for _, st := range []session.State{session.StateReplaced, session.StateOutdated} {
		keys = append(keys, "connection."+string(st), "connection."+string(st)+".hint")
	}
	keys = append(keys, "form.readonly", "form.not-confirmed", "error.not-on-whatsapp", "value.unknown")
	for _, p := range presets.All() {
		keys = append(keys, "preset."+p.ID, "preset."+p.ID+".hint")
	}
	for _, k := range keys {
		if _, ok := messages[k]; !ok {
			t.Errorf("no text for %s", k)
		}
	}
	for _, l := range Langs() {
		for _, c := range privacy.Categories() {
			for _, v := range c.Values() {
				if got := l.ValueLabel(c, v); strings.HasPrefix(got, "value.") {
					t.Errorf("%s: no label for %s of %s (got %q)", l, v, c, got)
				}
			}
		}
		for _, tm := range privacy.Timers() {
			if got := l.TimerLabel(tm); strings.HasPrefix(got, "timer.") {
				t.Errorf("%s: no label for timer %d", l, tm)
			}
		}
	}
}

func TestMatchPicksFromTheBrowsersLanguages(t *testing.T) {
	for _, tc := range []struct {
		tags []string
		want Lang
	}{
		{[]string{"pt-BR", "en-US"}, Portuguese},
		{[]string{"pt-PT"}, Portuguese},
		{[]string{"de-DE", "en-GB", "pt-BR"}, English},
		{[]string{"fr", "PT"}, Portuguese},
		{[]string{"ja"}, English},
		{nil, English},
	} {
		if got := Match(tc.tags); got != tc.want {
			t.Errorf("Match(%v) = %s, want %s", tc.tags, got, tc.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	if got := Portuguese.Describe(privacy.Change{Field: "last", Before: "all", After: "none"}); got != "Visto por último: Todos → Ninguém" {
		t.Errorf("pt: %q", got)
	}
	if got := English.Describe(privacy.Change{Field: "timer", Before: "0", After: "604800"}); got != "Default message timer: Off → 7 days" {
		t.Errorf("en timer: %q", got)
	}
	if got := English.Describe(privacy.Change{Field: "status.except", Added: []string{"5511900000001"}, Removed: []string{"5511900000002"}}); got != "About exceptions: added +5511900000001; removed +5511900000002" {
		t.Errorf("en list: %q", got)
	}
	if got := English.Describe(privacy.Change{Field: "readreceipts", Before: "all", After: "none"}); got != "Read receipts: On → Off" {
		t.Errorf("en read receipts: %q", got)
	}
	if got := English.Describe(privacy.Change{Field: "blocked", Added: []string{"123456789012345@lid"}}); got != "Blocked contacts: added 123456789012345@lid" {
		t.Errorf("en LID: %q", got)
	}
	snap := privacy.Snapshot{Contacts: map[string]privacy.Contact{"1@lid": {Username: "ana"}}}
	if got := Portuguese.DescribeWith(privacy.Change{Field: "last.except", Added: []string{"1@lid", "5511900000001"}}, snap.Label); got != "Exceções de Visto por último: adicionado @ana, +5511900000001" {
		t.Errorf("pt labelled: %q", got)
	}
	if English.T("no.such.key") != "no.such.key" {
		t.Error("a missing text should show its key")
	}
}

// TestValuesFromANewerPhone: a value the model does not list, and one the
// account did not report, are named, never shown as a key or dropped.
func TestValuesFromANewerPhone(t *testing.T) {
	for _, tc := range []struct {
		lang Lang
		c    privacy.Category
		v    privacy.Value
		want string
	}{
		{English, privacy.LastSeen, "friends_of_friends", "Set on your phone: friends_of_friends"},
		{Portuguese, privacy.CallAdd, "everyone_but", "Definido no seu celular: everyone_but"},
		{English, privacy.Defense, "on_strict", "Set on your phone: on_strict"},
		// A value another category allows is still unknown here.
		{English, privacy.Online, privacy.Nobody, "Set on your phone: none"},
		{English, privacy.Messages, "", "not reported"},
		{English, privacy.CallAdd, privacy.Contacts, "My contacts"},
		{Portuguese, privacy.Defense, privacy.OnStandard, "Ativadas"},
		{English, privacy.Stickers, privacy.ContactAllowlist, "Only some contacts"},
	} {
		if got := tc.lang.ValueLabel(tc.c, tc.v); got != tc.want {
			t.Errorf("%s %s=%q: %q, want %q", tc.lang, tc.c, tc.v, got, tc.want)
		}
	}
	if got := English.Describe(privacy.Change{Field: "calladd", Before: "known", After: "ring_contacts"}); got != "Calls: Silence unknown callers → Set on your phone: ring_contacts" {
		t.Errorf("describe: %q", got)
	}
}

func TestPhone(t *testing.T) {
	for in, want := range map[string]string{"5511988887777": "+5511988887777", "123456789012345@lid": "123456789012345@lid"} {
		if got := Phone(in); got != want {
			t.Errorf("Phone(%q) = %q, want %q", in, got, want)
		}
	}
}
