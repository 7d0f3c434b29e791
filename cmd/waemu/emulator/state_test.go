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
	before := e.Account(t, phone)
	cli.Disconnect()
	e.Close()

	// A new server on another port, from the same file: the companion logs in
	// with its saved identity and everything is as it was.
	e2 := newEnvWithState(t, path)
	if got := e2.Account(t, phone); !reflect.DeepEqual(got, before) {
		t.Fatalf("after restart %+v, want %+v", got, before)
	}
	cli2, rec := e2.newClient(t, cli.Store)
	if err := cli2.Connect(); err != nil {
		t.Fatal(err)
	}
	waitFor[*events.Connected](t, rec)
	if _, d := readList(t, cli2, "groupadd"); d != dhash {
		t.Fatalf("dhash %q after restart, want %q", d, dhash)
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
	} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := emulator.New(emulator.Options{StatePath: path}); err == nil {
			t.Errorf("state %q accepted", content)
		}
	}

	// A file from before a category existed loads with that category's default.
	minimal := `{"accounts":[{"phone":"5511900001234","lid":"1","identityPub":"` + b64(32) + `","identityPriv":"` + b64(32) + `","privacy":{"last":"none"}}]}`
	if err := os.WriteFile(path, []byte(minimal), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err := emulator.New(emulator.Options{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := srv.Account("5511900001234")
	if err != nil || acc.Privacy["last"] != "none" || acc.Privacy["messages"] != "all" || acc.Disallowed["groupadd"] == nil {
		t.Fatalf("minimal account %+v, %v", acc, err)
	}
}
