package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
	"github.com/waprivacy/waprivacy/wasm/api"
	"github.com/waprivacy/waprivacy/wasm/engine"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

const phone = "5511988887777"

func linkedAPI(t *testing.T) (*emutest.Env, *api.API) {
	t.Helper()
	env := emutest.Start(t)
	e := engine.New(env.LinkedClient(t, phone), engine.Options{})
	return env, api.New(func() *engine.Engine { return e })
}

// do sends a request and returns the status and the body as JSON text.
func do(t *testing.T, a *api.API, method, path, body string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), emutest.Timeout)
	defer cancel()
	resp := a.Do(ctx, api.Request{Method: method, Path: path, Body: []byte(body)})
	data, err := json.Marshal(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: the answer does not encode: %v", method, path, err)
	}
	return resp.Status, string(data)
}

func TestZAPIDocumentedExamples(t *testing.T) {
	env, a := linkedAPI(t)
	for _, tc := range []struct {
		method, path, body, want string
	}{
		{"POST", "/privacy/last-seen", `{"visualizationType":"CONTACT_BLACKLIST","contactsBlacklist":[{"action":"add","phone":"554411111111"}]}`, `{"success":true}`},
		{"POST", "/privacy/photo", `{"visualizationType":"CONTACTS"}`, `{"success":true}`},
		{"POST", "/privacy/description", `{"visualizationType":"NONE"}`, `{"success":true}`},
		{"POST", "/privacy/group-add", `{"type":"CONTACT_BLACKLIST","contactsBlacklist":[{"action":"add","phone":"554422222222"}]}`, `{"success":true}`},
		{"POST", "/privacy/online", `{"visualizationType":"SAME_LAST_SEEN"}`, `{"success":true}`},
		{"POST", "/privacy/read-receipts?value=disable", ``, `{"success":true}`},
		{"POST", "/privacy/messages-duration?value=days90", ``, `{"success":true}`},
		{"POST", "/contacts/modify-blocked", `{"phone":"5544999999999","action":"block"}`, `{"value":true}`},
		{"GET", "/privacy/disallowed-contacts?type=lastSeen", ``, `{"disallowedContacts":["554411111111"]}`},
		{"GET", "/privacy/disallowed-contacts?type=photo", ``, `{"disallowedContacts":[]}`},
	} {
		status, body := do(t, a, tc.method, tc.path, tc.body)
		if status != http.StatusOK || body != tc.want {
			t.Errorf("%s %s: %d %s, want 200 %s", tc.method, tc.path, status, body, tc.want)
		}
	}
	acc := env.Account(t, phone)
	for c, want := range map[string]string{"last": "contact_blacklist", "profile": "contacts", "status": "none",
		"groupadd": "contact_blacklist", "online": "match_last_seen", "readreceipts": "none"} {
		if acc.Privacy[c] != want {
			t.Errorf("emulator %s = %s, want %s", c, acc.Privacy[c], want)
		}
	}
	if acc.DefaultDisappearingSeconds != 7776000 || !slices.Equal(acc.Blocklist, []string{"5544999999999"}) ||
		!slices.Equal(acc.Disallowed["groupadd"], []string{"554422222222"}) {
		t.Errorf("emulator state %+v", acc)
	}
}

func TestRyzeAPIExamples(t *testing.T) {
	env, a := linkedAPI(t)
	status, body := do(t, a, "GET", "/profile/privacy", "")
	want := `{"success":true,"message":"Privacy settings retrieved successfully","settings":{"permissions":{"callAdd":"all","groupAdd":"all"},"privacy":{"readReceipts":"all"},"visibility":{"lastSeen":"all","online":"all","profile":"all","status":"all"}}}`
	if status != 200 || body != want {
		t.Errorf("GET: %d %s", status, body)
	}
	// RyzeAPI's "fully restrictive" example.
	status, body = do(t, a, "POST", "/profile/privacy", `{
		"visibility": {"lastSeen": "none", "status": "none", "profile": "none", "online": "match_last_seen"},
		"privacy": {"readReceipts": "none"},
		"permissions": {"callAdd": "known", "groupAdd": "contacts"}}`)
	want = `{"success":true,"message":"Privacy settings updated successfully","settings":{"permissions":{"callAdd":"known","groupAdd":"contacts"},"privacy":{"readReceipts":"none"},"visibility":{"lastSeen":"none","online":"match_last_seen","profile":"none","status":"none"}}}`
	if status != 200 || body != want {
		t.Errorf("POST: %d %s", status, body)
	}
	if got := env.Account(t, phone).Privacy["calladd"]; got != "known" {
		t.Errorf("emulator calladd = %s", got)
	}
}

func TestErrors(t *testing.T) {
	env, a := linkedAPI(t)
	before := env.Account(t, phone)
	for _, tc := range []struct {
		method, path, body string
		status             int
		message            string
	}{
		{"GET", "/privacy/unknown", "", 404, "Unknown path: /privacy/unknown"},
		{"GET", "/privacy/last-seen", "", 405, "Method GET is not allowed for /privacy/last-seen; use POST"},
		{"DELETE", "/profile/privacy", "", 405, "Method DELETE is not allowed for /profile/privacy; use GET or POST"},
		{"POST", "/privacy/last-seen", `{"visualizationType":`, 400, "Invalid request body: unexpected end of JSON input"},
		{"POST", "/privacy/last-seen", `["ALL"]`, 400, "Invalid request body: a JSON object is required, not an array"},
		{"POST", "/privacy/last-seen", ``, 400, "Invalid request body: a JSON object is required"},
		{"POST", "/privacy/last-seen", `{"visualizationType":"SOMETIMES"}`, 400, "Invalid visualizationType value: SOMETIMES. Valid values: ALL, CONTACTS, CONTACT_BLACKLIST, NONE"},
		{"POST", "/privacy/group-add", `{"type":"NONE"}`, 400, "Invalid type value: NONE. Valid values: ALL, CONTACTS, CONTACT_BLACKLIST"},
		{"POST", "/privacy/photo", `{}`, 400, "visualizationType is required. Valid values: ALL, CONTACTS, CONTACT_BLACKLIST, NONE"},
		{"POST", "/privacy/photo", `{"visualizationType":3}`, 400, "visualizationType must be a string, got 3"},
		{"POST", "/privacy/online", `{"visualizationType":"ALL","contactsBlacklist":[]}`, 400, "Unknown field: contactsBlacklist. Known fields: visualizationType"},
		{"POST", "/privacy/last-seen", `{"visualizationType":"ALL","contactsBlacklist":[{"action":"add","phone":"5511900001111"}]}`, 400, "contactsBlacklist is only accepted with visualizationType CONTACT_BLACKLIST"},
		{"POST", "/privacy/read-receipts?value=maybe", "", 400, "Invalid value value: maybe. Valid values: enable, disable"},
		{"POST", "/privacy/messages-duration", "", 400, "Invalid value value: . Valid values: disable, hours24, days7, days90"},
		{"GET", "/privacy/disallowed-contacts?type=online", "", 400, "Invalid type value: online. Valid values: lastSeen, photo, description, groupAdd"},
		{"POST", "/contacts/modify-blocked", `{"phone":"12","action":"ban"}`, 400, `invalid phone "12": want 8 to 15 digits with the country code, e.g. 5511988887777`},
		{"POST", "/profile/privacy", `{}`, 400, "At least one privacy setting must be provided"},
		{"POST", "/profile/privacy", `{"visibility":{"lastSeen":"sometimes"}}`, 400, "Invalid lastSeen value: sometimes. Valid values: all, contacts, contact_blacklist, none"},
		{"POST", "/profile/privacy", `{"visibility":"none"}`, 400, "Invalid visibility: must be an object"},
	} {
		status, body := do(t, a, tc.method, tc.path, tc.body)
		var got struct {
			Success bool
			Error   struct{ Message string }
		}
		json.Unmarshal([]byte(body), &got)
		if status != tc.status || got.Success || got.Error.Message != tc.message {
			t.Errorf("%s %s %s:\n got %d %s\nwant %d %q", tc.method, tc.path, tc.body, status, body, tc.status, tc.message)
		}
	}
	after := env.Account(t, phone)
	if !slicesEqualMaps(before.Privacy, after.Privacy) || len(after.Blocklist) != 0 {
		t.Errorf("a refused request changed the account: %+v → %+v", before, after)
	}
}

func slicesEqualMaps(a, b map[string]string) bool {
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

func TestRyzeAPIListsEveryInvalidField(t *testing.T) {
	_, a := linkedAPI(t)
	status, body := do(t, a, "POST", "/profile/privacy", `{"visibility":{"lastSeen":"x","online":"none","mood":"happy"},"permissions":{"groupAdd":"none","callAdd":5},"extra":1}`)
	var got struct {
		Error  struct{ Message string }
		Errors []struct{ Field, Message string }
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil || status != 400 {
		t.Fatalf("%d %s", status, body)
	}
	var fields []string
	for _, e := range got.Errors {
		fields = append(fields, e.Field)
	}
	want := []string{"extra", "visibility.mood", "visibility.lastSeen", "visibility.online", "permissions.callAdd", "permissions.groupAdd"}
	if !slices.Equal(fields, want) {
		t.Errorf("fields %v, want %v", fields, want)
	}
	if got.Error.Message != got.Errors[0].Message {
		t.Errorf("the message %q is not the first error", got.Error.Message)
	}
}

// TestReadOnlyCategoriesAreRefused: strict account settings and stickers
// have no RyzeAPI field; a request naming one, in any section, is told
// that only the phone can change it, in the error envelope, and nothing
// of it is sent.
func TestReadOnlyCategoriesAreRefused(t *testing.T) {
	a := api.New(func() *engine.Engine { return nil })
	for _, tc := range []struct {
		body   string
		fields []string
		first  string
	}{
		{`{"permissions":{"defense":"off"}}`, []string{"permissions.defense"}, "Strict account settings can only be changed on your phone"},
		{`{"privacy":{"readReceipts":"none","stickers":"none"}}`, []string{"privacy.stickers"}, "Stickers can only be changed on your phone"},
		{`{"defense":"on_standard","visibility":{"lastSeen":"none"}}`, []string{"defense"}, "Strict account settings can only be changed on your phone"},
		{`{"visibility":{"mood":"x","defense":"off"}}`, []string{"visibility.defense", "visibility.mood"}, "Strict account settings can only be changed on your phone"},
	} {
		status, body := do(t, a, "POST", "/profile/privacy", tc.body)
		var got struct {
			Success bool
			Error   struct{ Message string }
			Errors  []struct{ Field, Message string }
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil || status != 400 || got.Success {
			t.Errorf("%s: %d %s, want 400", tc.body, status, body)
			continue
		}
		var fields []string
		for _, e := range got.Errors {
			fields = append(fields, e.Field)
		}
		if !slices.Equal(fields, tc.fields) || got.Error.Message != tc.first {
			t.Errorf("%s: %s, want fields %v and %q", tc.body, body, tc.fields, tc.first)
		}
	}
}

// TestLIDEntriesAreAccepted: a contact whose number WhatsApp hides is
// "<digits>@lid" in the lists, and can be unblocked or removed by it; the
// request passes validation (without an engine it then gets its 503).
func TestLIDEntriesAreAccepted(t *testing.T) {
	a := api.New(func() *engine.Engine { return nil })
	for _, tc := range []struct {
		path, body string
		status     int
		message    string
	}{
		{"/contacts/modify-blocked", `{"phone":"123456789012345@lid","action":"unblock"}`, 503, ""},
		{"/contacts/modify-blocked", `{"phone":"123456789012345@lid","action":"block"}`, 503, ""},
		{"/privacy/last-seen", `{"visualizationType":"CONTACT_BLACKLIST","contactsBlacklist":[{"action":"remove","phone":"123456789012345@lid"}]}`, 503, ""},
		{"/contacts/modify-blocked", `{"phone":"12ab@lid","action":"unblock"}`, 400, `invalid LID "12ab@lid": want digits followed by @lid`},
		{"/contacts/modify-blocked", `{"phone":"123@g.us","action":"unblock"}`, 400, `invalid phone "123@g.us": only phone numbers (or @s.whatsapp.net addresses) are accepted`},
	} {
		status, body := do(t, a, "POST", tc.path, tc.body)
		var got struct{ Error struct{ Message string } }
		json.Unmarshal([]byte(body), &got)
		if status != tc.status || (tc.message != "" && got.Error.Message != tc.message) {
			t.Errorf("%s %s: %d %s, want %d %q", tc.path, tc.body, status, body, tc.status, tc.message)
		}
	}
}

// TestRyzeSettingsPassValuesOn: RyzeAPI's fields are WhatsApp's wire
// values, so a value RyzeAPI does not document (callAdd "contacts") or
// the model does not know (set on a newer phone) is passed on as it is,
// and the categories RyzeAPI has no field for are left out.
func TestRyzeSettingsPassValuesOn(t *testing.T) {
	got := api.RyzeSettings(privacy.Snapshot{Settings: map[privacy.Category]privacy.Value{
		privacy.CallAdd: privacy.Contacts, privacy.LastSeen: "friends_of_friends",
		privacy.Defense: privacy.OnStandard, privacy.Stickers: privacy.Nobody,
	}})
	if got["permissions"]["callAdd"] != "contacts" || got["visibility"]["lastSeen"] != "friends_of_friends" {
		t.Errorf("values changed on the way: %v", got)
	}
	if len(got) != 3 || len(got["visibility"]) != 4 || len(got["privacy"]) != 1 || len(got["permissions"]) != 2 {
		t.Errorf("the shape is not RyzeAPI's: %v", got)
	}
}

func TestNotConnected(t *testing.T) {
	a := api.New(func() *engine.Engine { return nil })
	status, body := do(t, a, "POST", "/privacy/photo", `{"visualizationType":"ALL"}`)
	if status != 503 || !strings.Contains(body, "Not connected to WhatsApp") {
		t.Errorf("%d %s", status, body)
	}
	// Bad input is still a 400, not a 503.
	if status, _ := do(t, a, "POST", "/privacy/photo", `{"visualizationType":"?"}`); status != 400 {
		t.Errorf("invalid request while disconnected: %d, want 400", status)
	}
}

func FuzzDo(f *testing.F) {
	a := api.New(func() *engine.Engine { return nil })
	f.Add("POST", "/privacy/last-seen", `{"visualizationType":"CONTACT_BLACKLIST","contactsBlacklist":[{"action":"add","phone":"554411111111"}]}`)
	f.Add("POST", "/profile/privacy", `{"visibility":{"lastSeen":"none"},"privacy":{"readReceipts":null}}`)
	f.Add("POST", "/contacts/modify-blocked", `{"phone":5544999999999,"action":"block"}`)
	f.Add("GET", "/privacy/disallowed-contacts?type=%zz", ``)
	f.Add("post", "%", `{"a":[{}]}`)
	f.Fuzz(func(t *testing.T, method, path, body string) {
		resp := a.Do(context.Background(), api.Request{Method: method, Path: path, Body: []byte(body)})
		if resp.Status < 400 || resp.Status > 599 {
			t.Fatalf("%s %s %q: status %d without an engine", method, path, body, resp.Status)
		}
		if _, err := json.Marshal(resp.Body); err != nil {
			t.Fatalf("answer does not encode: %v", err)
		}
	})
}

// eventually retries a request until its answer holds want, as the
// engine learns of a change made on the phone from a push.
func eventually(t *testing.T, a *api.API, method, path, want string) {
	t.Helper()
	deadline := time.Now().Add(emutest.Timeout)
	for {
		status, body := do(t, a, method, path, "")
		if status == http.StatusOK && strings.Contains(body, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s %s: %d %s, want %s", method, path, status, body, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNumberlessEntries: a contact whose number WhatsApp hides shows in
// Z-API's answers as its LID entry, and is unblocked and removed by it.
func TestNumberlessEntries(t *testing.T) {
	env, a := linkedAPI(t)
	acc := env.PhoneBlockEntries(t, phone, []emulator.Entry{{Username: "ana"}}, nil)
	if len(acc.BlocklistEntries) != 1 || acc.BlocklistEntries[0].LID == "" {
		t.Fatalf("emulator blocklist %+v", acc.BlocklistEntries)
	}
	blocked := acc.BlocklistEntries[0].LID + "@lid"
	acc = env.PhoneEditList(t, phone, "last", []emulator.Entry{{DisplayName: "Bia"}}, nil)
	if len(acc.DisallowedEntries["last"]) != 1 {
		t.Fatalf("emulator last list %+v", acc.DisallowedEntries)
	}
	excepted := acc.DisallowedEntries["last"][0].LID + "@lid"
	eventually(t, a, "GET", "/privacy/disallowed-contacts?type=lastSeen", `{"disallowedContacts":["`+excepted+`"]}`)

	if status, body := do(t, a, "POST", "/contacts/modify-blocked", `{"phone":"`+blocked+`","action":"unblock"}`); status != 200 || body != `{"value":true}` {
		t.Errorf("unblocking %s: %d %s", blocked, status, body)
	}
	if got := env.Account(t, phone).BlocklistEntries; len(got) != 0 {
		t.Errorf("still blocked: %+v", got)
	}
	status, body := do(t, a, "POST", "/privacy/last-seen", `{"visualizationType":"CONTACT_BLACKLIST","contactsBlacklist":[{"action":"remove","phone":"`+excepted+`"}]}`)
	if status != 200 {
		t.Errorf("removing %s: %d %s", excepted, status, body)
	}
	if got := env.Account(t, phone).DisallowedEntries["last"]; len(got) != 0 {
		t.Errorf("still excepted: %+v", got)
	}
}

// TestRyzeAPICallsFromContacts: calladd "contacts" (who can call you: my
// contacts) is reported and set as its wire value, not squeezed into
// RyzeAPI's documented all|known.
func TestRyzeAPICallsFromContacts(t *testing.T) {
	env, a := linkedAPI(t)
	env.Control(t, http.MethodPost, "/control/accounts/"+phone+"/privacy", map[string]string{"calladd": "contacts"}, http.StatusOK, nil)
	eventually(t, a, "GET", "/profile/privacy", `"callAdd":"contacts"`)
	if status, body := do(t, a, "POST", "/profile/privacy", `{"permissions":{"callAdd":"all"}}`); status != 200 || !strings.Contains(body, `"callAdd":"all"`) {
		t.Fatalf("POST callAdd all: %d %s", status, body)
	}
	if status, body := do(t, a, "POST", "/profile/privacy", `{"permissions":{"callAdd":"contacts"}}`); status != 200 || !strings.Contains(body, `"callAdd":"contacts"`) {
		t.Errorf("POST callAdd contacts: %d %s", status, body)
	}
	if got := env.Account(t, phone).Privacy["calladd"]; got != "contacts" {
		t.Errorf("emulator calladd = %s", got)
	}
}
