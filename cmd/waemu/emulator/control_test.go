package emulator_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
)

func TestTrust(t *testing.T) {
	e := newEnv(t)
	var got struct{ RootKey string }
	e.Control(t, "GET", "/control/trust", nil, http.StatusOK, &got)
	key := emulator.RootPublicKey()
	if got.RootKey != base64.StdEncoding.EncodeToString(key[:]) {
		t.Fatalf("rootKey %q", got.RootKey)
	}
}

func TestAccountShape(t *testing.T) {
	e := newEnv(t)
	const phone = "5511912345678"
	cli, _ := e.pairQR(t, phone)
	acc := e.Account(t, phone)
	for name, values := range allValues {
		if acc.Privacy[name] != values[0] {
			t.Errorf("new account %s=%q, want %q", name, acc.Privacy[name], values[0])
		}
	}
	if len(acc.Privacy) != len(allValues) {
		t.Errorf("privacy has %d categories, want %d: %v", len(acc.Privacy), len(allValues), acc.Privacy)
	}
	for _, name := range []string{"last", "profile", "status", "groupadd"} {
		if l, ok := acc.Disallowed[name]; !ok || l == nil || len(l) != 0 {
			t.Errorf("disallowed[%s] = %#v, want []", name, l)
		}
	}
	if acc.Blocklist == nil || len(acc.Blocklist) != 0 || acc.DefaultDisappearingSeconds != 0 || !slices.Equal(acc.Devices, []string{cli.Store.ID.String()}) {
		t.Errorf("account %+v", acc)
	}
	// A new account is LID-migrated, with the LID every companion sees for it.
	if acc.Addressing != "lid" || !acc.MessagesFeature || acc.LID != cli.Store.LID.User || acc.LID != e.Number(t, phone).LID ||
		acc.BlocklistEntries == nil || len(acc.DisallowedEntries) != 4 {
		t.Errorf("account %+v, companion LID %s", acc, cli.Store.LID)
	}
	// Empty lists are [] in JSON, never null.
	resp, err := http.Get(e.HTTP.URL + "/control/accounts/" + phone)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), "null") {
		t.Errorf("account JSON has null: %s", body)
	}
}

func TestControlErrors(t *testing.T) {
	e := newEnv(t)
	const phone = "5511912340000"
	cli, _ := e.pairQR(t, phone)
	before := e.Account(t, phone)
	jid := cli.Store.ID.String()

	cases := []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", "/control/accounts/5511900000000", nil, 404},
		{"GET", "/control/accounts/12ab", nil, 400},
		{"GET", "/control/accounts/0551191234000", nil, 400},

		{"POST", "/control/scan", map[string]string{"qr": "x,y", "phone": phone}, 400},
		{"POST", "/control/scan", map[string]string{"qr": "2@nope,AAAA,AAAA,AAAA", "phone": phone}, 400},
		{"POST", "/control/scan", map[string]string{"qr": "2@unknown," + b64(32) + "," + b64(32) + "," + b64(32), "phone": phone}, 404},
		{"POST", "/control/scan", map[string]string{"qr": "2@unknown," + b64(32) + "," + b64(32) + "," + b64(32), "phone": "+55 11"}, 400},
		{"POST", "/control/scan", map[string]any{"qr": "x", "phone": 5511912340000}, 400},
		{"POST", "/control/scan", "not json", 400},
		{"POST", "/control/scan", "", 400},

		{"POST", "/control/link-code", map[string]string{"phone": phone, "code": "ABCD-EFG"}, 400},
		{"POST", "/control/link-code", map[string]string{"phone": phone, "code": "ABCD-EFGI"}, 400}, // I is not in the alphabet
		{"POST", "/control/link-code", map[string]string{"phone": phone, "code": "ABCD-EFGH"}, 404},
		{"POST", "/control/link-code", map[string]string{"phone": "abc", "code": "ABCD-EFGH"}, 400},

		{"POST", "/control/accounts/" + phone + "/privacy", map[string]string{}, 400},
		{"POST", "/control/accounts/" + phone + "/privacy", map[string]string{"last": "everyone"}, 400},
		{"POST", "/control/accounts/" + phone + "/privacy", map[string]string{"lastseen": "all"}, 400},
		{"POST", "/control/accounts/" + phone + "/privacy", map[string]any{"last": 1}, 400},
		{"POST", "/control/accounts/5511900000000/privacy", map[string]string{"last": "none"}, 404},

		{"POST", "/control/accounts/" + phone + "/disallowed/online", map[string]any{"add": []string{"5511911111111"}}, 400},
		{"POST", "/control/accounts/" + phone + "/disallowed/last", map[string]any{"add": []string{"123"}}, 400},
		{"POST", "/control/accounts/" + phone + "/disallowed/last", map[string]any{}, 400},
		{"POST", "/control/accounts/" + phone + "/disallowed/last", map[string]any{"add": []string{"5511911111111"}, "remove": []string{"5511911111111"}}, 400},
		{"POST", "/control/accounts/" + phone + "/disallowed/last", map[string]any{"add": []string{"5511911111111"}, "extra": 1}, 400},
		{"POST", "/control/accounts/5511900000000/disallowed/last", map[string]any{"add": []string{"5511911111111"}}, 404},

		{"POST", "/control/accounts/" + phone + "/unlink", map[string]string{"jid": ""}, 400},
		{"POST", "/control/accounts/" + phone + "/unlink", map[string]string{"jid": "5511999999999:1@s.whatsapp.net"}, 400},
		{"POST", "/control/accounts/" + phone + "/unlink", map[string]string{"jid": phone + "@s.whatsapp.net"}, 400},
		{"POST", "/control/accounts/" + phone + "/unlink", map[string]string{"jid": phone + ":1@lid"}, 400},
		{"POST", "/control/accounts/" + phone + "/unlink", map[string]string{"jid": phone + ":77@s.whatsapp.net"}, 404},
		{"POST", "/control/accounts/5511900000000/unlink", map[string]string{"jid": "5511900000000:1@s.whatsapp.net"}, 404},
		{"POST", "/control/accounts/5511999999999/unlink", map[string]string{"jid": jid}, 400},

		{"POST", "/control/accounts/" + phone, map[string]string{"addressing": "phone"}, 400},
		{"POST", "/control/accounts/" + phone, map[string]any{"messagesFeature": "no"}, 400},
		{"POST", "/control/accounts/12", map[string]string{}, 400},

		{"POST", "/control/accounts/" + phone + "/disallowed/last", map[string]any{"addEntries": []map[string]string{{"lid": "123456789"}}}, 400},                         // no name
		{"POST", "/control/accounts/" + phone + "/disallowed/last", map[string]any{"addEntries": []map[string]string{{"username": "a", "displayName": "b"}}}, 400},        // both
		{"POST", "/control/accounts/" + phone + "/disallowed/last", map[string]any{"addEntries": []map[string]string{{"phone": "5511911111111", "lid": "1234567"}}}, 400}, // wrong LID
		{"POST", "/control/accounts/" + phone + "/disallowed/last", map[string]any{"add": []string{phone}}, 400},                                                          // itself

		{"POST", "/control/accounts/" + phone + "/blocklist", map[string]any{}, 400},
		{"POST", "/control/accounts/" + phone + "/blocklist", map[string]any{"block": []string{"1"}}, 400},
		{"POST", "/control/accounts/" + phone + "/blocklist", map[string]any{"block": []string{"5511911111111"}, "unblock": []string{"5511911111111"}}, 400},
		{"POST", "/control/accounts/5511900000000/blocklist", map[string]any{"block": []string{"5511911111111"}}, 404},

		{"POST", "/control/accounts/" + phone + "/disappearing", map[string]any{"seconds": 60}, 400},
		{"POST", "/control/accounts/" + phone + "/disappearing", map[string]any{}, 400},
		{"POST", "/control/accounts/5511900000000/disappearing", map[string]any{"seconds": 86400}, 404},

		{"GET", "/control/numbers/12ab", nil, 400},
		{"POST", "/control/numbers/5511911111111", map[string]any{}, 400},
		{"POST", "/control/numbers/" + phone, map[string]bool{"registered": false}, 400},

		{"POST", "/control/version", map[string]string{"minClientVersion": "two"}, 400},
		{"POST", "/control/version", map[string]string{"currentClientVersion": "2.3000.1.4"}, 400},
	}
	for _, c := range cases {
		var reply struct{ Error string }
		e.Control(t, c.method, c.path, c.body, c.status, &reply)
		if reply.Error == "" {
			t.Errorf("%s %s: no error message", c.method, c.path)
		}
	}
	after := e.Account(t, phone)
	if !mapsEqual(after.Privacy, before.Privacy) || len(after.DisallowedEntries["last"]) != 0 || len(after.BlocklistEntries) != 0 ||
		after.DefaultDisappearingSeconds != 0 || after.Addressing != "lid" || !slices.Equal(after.Devices, before.Devices) {
		t.Fatalf("refused requests changed the account: %+v → %+v", before, after)
	}
	if !cli.IsLoggedIn() {
		t.Fatal("refused unlink disconnected the companion")
	}
}

func b64(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }

func TestPhonePage(t *testing.T) {
	e := newEnv(t)
	resp, err := http.Get(e.HTTP.URL + "/phone")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	page := string(body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, type %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// The page gets its categories from the server and drives the control API.
	for _, want := range []string{`"match_last_seen"`, `"calladd"`, `"defense"`, `"stickers"`, `"hasList":true`, "/control/scan", "/control/link-code", "/unlink", "/disallowed/", "/blocklist", "/disappearing", "/control/numbers/"} {
		if !strings.Contains(page, want) {
			t.Errorf("phone page lacks %s", want)
		}
	}
}
