package emulator_test

import (
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"go.mau.fi/whatsmeow/types/events"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
)

func TestStateSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	const phone = "5511900001234"
	e := newEnvWithState(t, path)
	cli, _ := e.pairQR(t, phone)
	e.Control(t, "POST", "/control/accounts/"+phone+"/privacy", map[string]string{"last": "none", "calladd": "known"}, http.StatusOK, nil)
	e.Control(t, "POST", "/control/accounts/"+phone+"/disallowed/groupadd", map[string]any{"add": []string{"5511955550000"}}, http.StatusOK, nil)
	if _, err := cli.UpdateBlocklist(ctxT(t), phoneJID("5511955550001"), events.BlocklistChangeActionBlock); err != nil {
		t.Fatal(err)
	}
	_, dhash := readList(t, cli, "groupadd")
	// What the newer fields hold: an entry without a number, an unregistered
	// number, a legacy account and one without the messages feature.
	e.PhoneEditList(t, phone, "status", []emulator.Entry{{Username: "ana.b"}}, nil)
	e.SetMessagesFeature(t, phone, false)
	const legacy, gone = "5511900001235", "5511900001236"
	e.LegacyAccount(t, legacy)
	e.PhoneBlock(t, legacy, []string{"5511955550002"}, nil)
	e.SetRegistered(t, gone, false)
	blockedLID := e.LID(t, "5511955550001")
	before := e.Account(t, phone)
	beforeLegacy := e.Account(t, legacy)
	cli.Disconnect()
	e.Close()

	// A new server on another port, from the same file: the companion logs in
	// with its saved identity and everything is as it was.
	e2 := newEnvWithState(t, path)
	if got := e2.Account(t, phone); !reflect.DeepEqual(got, before) {
		t.Fatalf("after restart %+v, want %+v", got, before)
	}
	if got := e2.Account(t, legacy); !reflect.DeepEqual(got, beforeLegacy) || got.Addressing != "pn" {
		t.Fatalf("legacy account after restart %+v, want %+v", got, beforeLegacy)
	}
	if n := e2.Number(t, gone); n.Registered {
		t.Fatalf("unregistered number after restart %+v", n)
	}
	cli2, rec := e2.newClient(t, cli.Store)
	if err := cli2.Connect(); err != nil {
		t.Fatal(err)
	}
	waitFor[*events.Connected](t, rec)
	if _, d := readList(t, cli2, "groupadd"); d != dhash {
		t.Fatalf("dhash %q after restart, want %q", d, dhash)
	}
	// An unblock by LID alone still finds the entry blocked by number.
	if bl, err := cli2.UpdateBlocklist(ctxT(t), blockedLID, events.BlocklistChangeActionUnblock); err != nil || len(bl.JIDs) != 0 {
		t.Fatalf("unblock by LID after restart: %+v, %v", bl, err)
	}
	// No temporary files are left beside the state file.
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("state directory holds %d entries", len(entries))
	}
}

func TestStateFileChecked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	for _, content := range []string{
		"{",
		`{"accounts":[{"phone":"12"}]}`,
		`{"accounts":[{"phone":"5511900001234","lid":"1","identityPub":"` + b64(32) + `","identityPriv":"` + b64(32) + `","privacy":{"last":"nobody"}}]}`,
		`{"accounts":[{"phone":"5511900001234","lid":"1","identityPub":"` + b64(32) + `","identityPriv":"` + b64(32) + `","devices":{"1":{"noiseKey":"AA=="}},"nextDevice":2}]}`,
		`{"accounts":[{"phone":"5511900001234","lid":"1","identityPub":"` + b64(32) + `","identityPriv":"` + b64(32) + `","addressing":"phone"}]}`,
		`{"accounts":[{"phone":"5511900001234","lid":"1","identityPub":"` + b64(32) + `","identityPriv":"` + b64(32) + `","blocklist":{"hidden":[{"lid":"x"}]}}]}`,
		`{"accounts":[{"phone":"5511900001234","lid":"1","identityPub":"` + b64(32) + `","identityPriv":"` + b64(32) + `","addressing":"pn","blocklist":{"hidden":[{"lid":"123456789"}]}}]}`,
		`{"accounts":[{"phone":"5511900001234","lid":"1","identityPub":"` + b64(32) + `","identityPriv":"` + b64(32) + `","blocklist":{"users":["12"]}}]}`,
		`{"accounts":[{"phone":"5511900001234","lid":"1","identityPub":"` + b64(32) + `","identityPriv":"` + b64(32) + `"}],"unregistered":["5511900001234"]}`,
	} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := emulator.New(emulator.Options{StatePath: path}); err == nil {
			t.Errorf("state %q accepted", content)
		}
	}

	// A file from before a category or field existed loads with its default:
	// its accounts count as LID-migrated, with the messages feature, and
	// their number lists get LIDs.
	minimal := `{"accounts":[{"phone":"5511900001234","lid":"1","identityPub":"` + b64(32) + `","identityPriv":"` + b64(32) +
		`","privacy":{"last":"none"},"blocklist":{"users":["5511900005678"],"dhash":"3"}}]}`
	if err := os.WriteFile(path, []byte(minimal), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err := emulator.New(emulator.Options{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := srv.Account("5511900001234")
	if err != nil || acc.Privacy["last"] != "none" || acc.Privacy["messages"] != "all" || acc.Privacy["defense"] != "off" || acc.Disallowed["groupadd"] == nil ||
		acc.Addressing != "lid" || !acc.MessagesFeature || acc.LID != "1" ||
		len(acc.BlocklistEntries) != 1 || acc.BlocklistEntries[0].Phone != "5511900005678" || len(acc.BlocklistEntries[0].LID) != 15 {
		t.Fatalf("minimal account %+v, %v", acc, err)
	}
}
