package api_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
	"github.com/waprivacy/waprivacy/wasm/api"
	"github.com/waprivacy/waprivacy/wasm/engine"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

func timer(t privacy.Timer) *privacy.Timer { return &t }

// TestEquivalentRequestsDoWhatTheUpdateDoes sends each update's equivalent
// request through the API and checks that the account ends up exactly as
// the update alone would leave it: what the app shows is what it does.
func TestEquivalentRequestsDoWhatTheUpdateDoes(t *testing.T) {
	env := emutest.Start(t)
	e := engine.New(env.LinkedClient(t, phone), engine.Options{})
	a := api.New(func() *engine.Engine { return e })
	ctx, cancel := context.WithTimeout(context.Background(), emutest.Timeout)
	defer cancel()

	updates := []privacy.Update{
		{Settings: map[privacy.Category]privacy.Value{privacy.LastSeen: privacy.Nobody}},
		{Settings: map[privacy.Category]privacy.Value{privacy.Online: privacy.MatchLastSeen}},
		{Settings: map[privacy.Category]privacy.Value{privacy.Profile: privacy.Contacts}},
		{Settings: map[privacy.Category]privacy.Value{privacy.About: privacy.Nobody}},
		{Settings: map[privacy.Category]privacy.Value{privacy.GroupAdd: privacy.Contacts}},
		{Settings: map[privacy.Category]privacy.Value{privacy.ReadReceipts: privacy.Nobody}},
		{Settings: map[privacy.Category]privacy.Value{privacy.CallAdd: privacy.Known}},
		{Timer: timer(privacy.Timer7Days)},
		{Except: map[privacy.Category]privacy.ExceptDelta{privacy.LastSeen: {Add: []string{"5511900000001", "5511900000002"}}}},
		{Except: map[privacy.Category]privacy.ExceptDelta{privacy.LastSeen: {Remove: []string{"5511900000001"}}}},
		{Settings: map[privacy.Category]privacy.Value{privacy.GroupAdd: privacy.ContactBlacklist},
			Except: map[privacy.Category]privacy.ExceptDelta{privacy.GroupAdd: {Add: []string{"5511900000003"}}}},
		{Settings: map[privacy.Category]privacy.Value{privacy.LastSeen: privacy.All, privacy.ReadReceipts: privacy.All, privacy.CallAdd: privacy.All}},
	}
	for _, u := range updates {
		req, ok := api.Equivalent(u)
		if !ok {
			t.Fatalf("no equivalent request for %+v", u)
		}
		before, err := e.Refresh(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := u.ApplyTo(before)
		resp := a.Do(ctx, req)
		if resp.Status != http.StatusOK {
			t.Fatalf("%s %s %s: status %d %+v", req.Method, req.Path, req.Body, resp.Status, resp.Body)
		}
		got, err := e.Refresh(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d := privacy.Diff(want, got); len(d) > 0 {
			t.Errorf("%s %s %s left the account off from the update by %+v", req.Method, req.Path, req.Body, d)
		}
	}

	for _, blocked := range []bool{true, false} {
		req := api.BlockRequest("5511900000004", blocked)
		if resp := a.Do(ctx, req); resp.Status != http.StatusOK {
			t.Fatalf("%s %s: status %d %+v", req.Path, req.Body, resp.Status, resp.Body)
		}
		if got := slices.Contains(env.Account(t, phone).Blocklist, "5511900000004"); got != blocked {
			t.Errorf("after %s the emulator has blocked=%v", req.Body, got)
		}
	}
}

func TestEquivalentSpellsZAPIAndRyzeAPI(t *testing.T) {
	for _, tc := range []struct {
		u          privacy.Update
		path, body string
	}{
		{privacy.Update{Settings: map[privacy.Category]privacy.Value{privacy.GroupAdd: privacy.Contacts}},
			"/privacy/group-add", `{"type":"CONTACTS"}`},
		{privacy.Update{Settings: map[privacy.Category]privacy.Value{privacy.Online: privacy.MatchLastSeen}},
			"/privacy/online", `{"visualizationType":"SAME_LAST_SEEN"}`},
		{privacy.Update{Except: map[privacy.Category]privacy.ExceptDelta{privacy.About: {Add: []string{"5544111111111"}, Remove: []string{"5544222222222"}}}},
			"/privacy/description", `{"visualizationType":"CONTACT_BLACKLIST","contactsBlacklist":[{"action":"add","phone":"5544111111111"},{"action":"remove","phone":"5544222222222"}]}`},
		{privacy.Update{Settings: map[privacy.Category]privacy.Value{privacy.ReadReceipts: privacy.Nobody}},
			"/privacy/read-receipts?value=disable", ``},
		{privacy.Update{Timer: timer(privacy.Timer90Days)}, "/privacy/messages-duration?value=days90", ``},
		{privacy.Update{Settings: map[privacy.Category]privacy.Value{privacy.CallAdd: privacy.Known, privacy.LastSeen: privacy.Nobody}},
			"/profile/privacy", `{"visibility":{"lastSeen":"none"},"permissions":{"callAdd":"known"}}`},
		// A contact without a number is addressed by its LID, as
		// disallowed-contacts lists it.
		{privacy.Update{Except: map[privacy.Category]privacy.ExceptDelta{privacy.LastSeen: {Remove: []string{"123456789012345@lid"}}}},
			"/privacy/last-seen", `{"visualizationType":"CONTACT_BLACKLIST","contactsBlacklist":[{"action":"remove","phone":"123456789012345@lid"}]}`},
	} {
		req, ok := api.Equivalent(tc.u)
		if !ok || req.Method != http.MethodPost || req.Path != tc.path || string(req.Body) != tc.body {
			t.Errorf("Equivalent(%+v) = %s %s %s, %v; want POST %s %s", tc.u, req.Method, req.Path, req.Body, ok, tc.path, tc.body)
		}
	}
	for _, u := range []privacy.Update{
		{Settings: map[privacy.Category]privacy.Value{privacy.Messages: privacy.Contacts}},
		{Settings: map[privacy.Category]privacy.Value{privacy.LastSeen: privacy.Nobody}, Timer: timer(privacy.Timer7Days)},
		{Settings: map[privacy.Category]privacy.Value{privacy.LastSeen: "sometimes"}},
		{},
		// Only the phone can change these.
		{Settings: map[privacy.Category]privacy.Value{privacy.Defense: privacy.Off}},
		{Settings: map[privacy.Category]privacy.Value{privacy.Stickers: privacy.Nobody}},
		// RyzeAPI documents callAdd all and known only.
		{Settings: map[privacy.Category]privacy.Value{privacy.CallAdd: privacy.Contacts}},
	} {
		if req, ok := api.Equivalent(u); ok {
			t.Errorf("Equivalent(%+v) = %s %s, want none", u, req.Path, req.Body)
		}
	}
}
