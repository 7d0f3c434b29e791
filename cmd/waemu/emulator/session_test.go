package emulator_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
)

// cloneIdentity makes a second store device with the same credentials, to
// try logging in with them after the original store was deleted.
func cloneIdentity(t *testing.T, dev *store.Device) *store.Device {
	c := newStore(t).NewDevice()
	id := *dev.ID
	c.ID = &id
	c.NoiseKey, c.IdentityKey, c.SignedPreKey, c.RegistrationID = dev.NoiseKey, dev.IdentityKey, dev.SignedPreKey, dev.RegistrationID
	return c
}

func TestUnlinkFromPhone(t *testing.T) {
	e := newEnv(t)
	const phone = "5511900003333"
	cli, rec := e.pairQR(t, phone)
	keep, _ := e.pairQR(t, phone)
	saved := cloneIdentity(t, cli.Store)
	jid := cli.Store.ID.String()

	e.Control(t, "POST", "/control/accounts/"+phone+"/unlink", map[string]string{"jid": jid}, http.StatusOK, nil)
	lo := waitFor[*events.LoggedOut](t, rec)
	if lo.OnConnect || lo.Reason != events.ConnectFailureLoggedOut {
		t.Fatalf("LoggedOut = %+v, want a stream error 401 while connected", lo)
	}
	if got := e.Account(t, phone).Devices; len(got) != 1 || got[0] != keep.Store.ID.String() {
		t.Fatalf("devices after unlink %v", got)
	}
	e.Control(t, "POST", "/control/accounts/"+phone+"/unlink", map[string]string{"jid": jid}, http.StatusNotFound, nil)

	// Its credentials no longer log in.
	again, againRec := e.newClient(t, saved)
	if err := again.Connect(); err != nil {
		t.Fatal(err)
	}
	if lo := waitFor[*events.LoggedOut](t, againRec); !lo.OnConnect {
		t.Fatalf("login after unlink: %+v", lo)
	}
	if !keep.IsLoggedIn() {
		t.Fatal("the other companion was affected")
	}
}

func TestLogoutFromCompanion(t *testing.T) {
	e := newEnv(t)
	const phone = "5511900004444"
	cli, _ := e.pairQR(t, phone)
	saved := cloneIdentity(t, cli.Store)
	if err := cli.Logout(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if got := e.Account(t, phone).Devices; len(got) != 0 {
		t.Fatalf("devices after logout %v", got)
	}
	again, rec := e.newClient(t, saved)
	if err := again.Connect(); err != nil {
		t.Fatal(err)
	}
	waitFor[*events.LoggedOut](t, rec)
}

func TestUnknownIQ(t *testing.T) {
	e := newEnv(t)
	cli, _ := e.pairQR(t, "5511900005555")
	_, err := rawIQ(cli, "w:emulator:nonexistent", "get")
	var iqErr *whatsmeow.IQError
	if !errors.As(err, &iqErr) || iqErr.Code != 501 || iqErr.Text != "feature-not-implemented" {
		t.Fatalf("err = %v, want 501 feature-not-implemented", err)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "unhandled iq") || !strings.Contains(logs, "w:emulator:nonexistent") {
		t.Fatalf("no log line names the IQ:\n%s", logs)
	}
	// The connection survives and keeps working.
	if _, err := cli.TryFetchPrivacySettings(ctxT(t), true); err != nil {
		t.Fatal(err)
	}
}

// sendRaw opens a WebSocket, sends the messages and reports whether the
// server closed the connection.
func sendRaw(t *testing.T, e *env, typ websocket.MessageType, msgs ...[]byte) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), emutest.Timeout)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws://"+e.Addr()+"/ws/chat", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	for _, m := range msgs {
		if err := ws.Write(ctx, typ, m); err != nil {
			return true
		}
	}
	_, _, err = ws.Read(ctx)
	return err != nil && ctx.Err() == nil
}

func TestGarbageDisconnectsAndServerStaysUp(t *testing.T) {
	e := newEnv(t)
	hello := []byte("WA\x06\x03\x00\x00\x05hello")
	for name, c := range map[string]struct {
		typ  websocket.MessageType
		msgs [][]byte
	}{
		"no header":        {websocket.MessageBinary, [][]byte{[]byte("GET / HTTP/1.1\r\n\r\n")}},
		"bad client hello": {websocket.MessageBinary, [][]byte{hello}},
		"text message":     {websocket.MessageText, [][]byte{[]byte("WA\x06\x03")}},
		"split garbage":    {websocket.MessageBinary, [][]byte{[]byte("WA"), []byte("\x06\x03\x00"), []byte("\x00\x02\xff\xff")}},
	} {
		if !sendRaw(t, e, c.typ, c.msgs...) {
			t.Errorf("%s: connection not closed", name)
		}
	}
	// The server still pairs a real client.
	cli, _ := e.pairQR(t, "5511900006666")
	if !cli.IsLoggedIn() {
		t.Fatal("not logged in")
	}
}
