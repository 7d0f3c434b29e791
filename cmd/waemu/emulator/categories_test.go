package emulator_test

import (
	"errors"
	"net/http"
	"testing"

	"go.mau.fi/whatsmeow"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
)

func categoryNames(t *testing.T, resp *waBinary.Node) map[string]string {
	t.Helper()
	out := map[string]string{}
	p := resp.GetChildByTag("privacy")
	for _, c := range p.GetChildren() {
		ag := c.AttrGetter()
		out[ag.String("name")] = ag.String("value")
	}
	return out
}

func TestCategoriesOfToday(t *testing.T) {
	e := newEnv(t)
	const phone = "5511955556001"
	cli, rec := e.pairQR(t, phone)
	s := cli.GetPrivacySettings(ctxT(t))
	if s.Messages != "all" || s.Defense != "off" || s.Stickers != "contacts" {
		t.Fatalf("settings %+v", s)
	}

	// Strict account settings change only on the primary phone.
	if _, err := cli.SetPrivacySetting(ctxT(t), types.PrivacySettingTypeDefense, types.PrivacySettingOnStandard); !errors.Is(err, whatsmeow.ErrIQForbidden) {
		t.Fatalf("companion sets defense: err = %v, want 403 forbidden", err)
	}
	if got := e.Account(t, phone).Privacy["defense"]; got != "off" {
		t.Fatalf("refused set applied: defense=%s", got)
	}
	e.Control(t, "POST", "/control/accounts/"+phone+"/privacy", map[string]string{"defense": "on_standard"}, http.StatusOK, nil)
	if evt := waitFor[*events.PrivacySettings](t, rec); !evt.DefenseChanged || evt.MessagesChanged {
		t.Fatalf("defense push %+v", evt)
	}
	if s, err := cli.TryFetchPrivacySettings(ctxT(t), false); err != nil || s.Defense != "on_standard" {
		t.Fatalf("cached %+v, %v", s, err)
	}

	// Stickers and "who can call" take their new values from a companion.
	for _, c := range []struct{ name, value string }{{"stickers", "contact_allowlist"}, {"stickers", "none"}, {"calladd", "contacts"}} {
		if _, err := cli.SetPrivacySetting(ctxT(t), types.PrivacySettingType(c.name), types.PrivacySetting(c.value)); err != nil {
			t.Fatalf("set %s=%s: %v", c.name, c.value, err)
		}
	}
	if s, err := cli.TryFetchPrivacySettings(ctxT(t), true); err != nil || s.Stickers != "none" || s.CallAdd != "contacts" {
		t.Fatalf("read back %+v, %v", s, err)
	}
}

// An account without the "messages" feature is not offered the category.
func TestMessagesFeature(t *testing.T) {
	e := newEnv(t)
	const phone = "5511955556002"
	if acc := e.SetMessagesFeature(t, phone, false); acc.MessagesFeature {
		t.Fatalf("account %+v", acc)
	}
	cli, _ := e.pairQR(t, phone)
	resp, err := rawIQ(cli, "privacy", "get", waBinary.Node{Tag: "privacy"})
	if err != nil {
		t.Fatal(err)
	}
	cats := categoryNames(t, resp)
	if _, has := cats["messages"]; has || cats["defense"] != "off" || cats["stickers"] != "contacts" {
		t.Fatalf("categories %v", cats)
	}
	if _, err := cli.SetPrivacySetting(ctxT(t), types.PrivacySettingTypeMessages, types.PrivacySettingContacts); !errors.Is(err, whatsmeow.ErrIQBadRequest) {
		t.Fatalf("set messages without the feature: err = %v, want 400", err)
	}
	e.Control(t, "POST", "/control/accounts/"+phone+"/privacy", map[string]string{"messages": "contacts"}, http.StatusBadRequest, nil)
	acc := e.Account(t, phone)
	if _, has := acc.Privacy["messages"]; has {
		t.Fatalf("account JSON lists messages: %v", acc.Privacy)
	}

	e.SetMessagesFeature(t, phone, true)
	resp, err = rawIQ(cli, "privacy", "get", waBinary.Node{Tag: "privacy"})
	if err != nil || categoryNames(t, resp)["messages"] != "all" {
		t.Fatalf("with the feature back: %v, %v", resp, err)
	}
	if _, err := cli.SetPrivacySetting(ctxT(t), types.PrivacySettingTypeMessages, types.PrivacySettingContacts); err != nil {
		t.Fatal(err)
	}
}
