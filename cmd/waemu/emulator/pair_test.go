package emulator_test

import (
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types/events"
)

func TestQRPairingThenReconnect(t *testing.T) {
	e := newEnv(t)
	cli, rec := e.pairQR(t, "5511988887777")

	id := *cli.Store.ID
	if id.Device == 0 || cli.Store.LID.Server != "lid" || cli.Store.LID.Device != id.Device {
		t.Fatalf("paired as %s / %s", id, cli.Store.LID)
	}
	if acc := e.Account(t, "5511988887777"); !slices.Equal(acc.Devices, []string{id.String()}) {
		t.Fatalf("devices = %v, want [%s]", acc.Devices, id)
	}

	// Reconnect with the saved identity: a login, not a new QR.
	cli.Disconnect()
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
	waitFor[*events.Connected](t, rec)
	if !cli.IsLoggedIn() || *cli.Store.ID != id {
		t.Fatalf("after reconnect: logged in %v as %s", cli.IsLoggedIn(), cli.Store.ID)
	}
}

func TestCodePairing(t *testing.T) {
	e := newEnv(t)
	const phone = "5511977776666"
	cli, rec := e.newClient(t, newStore(t).NewDevice())
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
	waitFor[*events.QR](t, rec)

	// Nobody asked to link this number yet.
	e.Control(t, "POST", "/control/link-code", map[string]string{"phone": phone, "code": "ABCD-EFGH"}, http.StatusNotFound, nil)

	code, err := cli.PairPhone(ctxT(t), phone, true, whatsmeow.PairClientChrome, "Chrome (Linux)")
	if err != nil {
		t.Fatal(err)
	}
	e.Control(t, "POST", "/control/link-code", map[string]string{"phone": phone, "code": "not a code"}, http.StatusBadRequest, nil)
	wrong := []byte(code)
	wrong[0] = map[bool]byte{true: '2', false: '1'}[wrong[0] == '1']
	e.Control(t, "POST", "/control/link-code", map[string]string{"phone": phone, "code": string(wrong)}, http.StatusNotFound, nil)
	e.Control(t, "GET", "/control/accounts/"+phone, nil, http.StatusNotFound, nil) // a wrong code creates nothing

	var reply struct{ JID string }
	e.Control(t, "POST", "/control/link-code", map[string]string{"phone": phone, "code": code}, http.StatusOK, &reply)
	ps := waitFor[*events.PairSuccess](t, rec)
	if ps.ID.String() != reply.JID || ps.ID.User != phone {
		t.Fatalf("paired as %s, control API said %s", ps.ID, reply.JID)
	}
	waitFor[*events.Connected](t, rec)
	if !cli.IsLoggedIn() {
		t.Fatal("not logged in after code pairing")
	}
}

func TestForgedLoginRefused(t *testing.T) {
	e := newEnv(t)
	real, _ := e.pairQR(t, "5511966665555")

	// Same account and device number, but a noise key the server never saw.
	forged := newStore(t).NewDevice()
	forged.ID = real.Store.ID
	cli, rec := e.newClient(t, forged)
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
	lo := waitFor[*events.LoggedOut](t, rec)
	if !lo.OnConnect || lo.Reason != events.ConnectFailureLoggedOut {
		t.Fatalf("LoggedOut = %+v, want OnConnect with reason 401", lo)
	}
	if !real.IsLoggedIn() {
		t.Fatal("the real companion lost its session")
	}
	if !slices.Contains(e.Account(t, "5511966665555").Devices, real.Store.ID.String()) {
		t.Fatal("the real companion was unlinked")
	}
}

// TestManyCompanionsConcurrently pairs several companions on two accounts at
// once, then checks each account lists exactly its own.
func TestManyCompanionsConcurrently(t *testing.T) {
	e := newEnv(t)
	phones := []string{"5511900000001", "5511900000002", "5511900000001", "5511900000002"}
	var mu sync.Mutex
	want := map[string][]string{}
	t.Run("pair", func(t *testing.T) {
		for i, p := range phones {
			t.Run(strconv.Itoa(i), func(t *testing.T) {
				t.Parallel()
				cli, _ := e.pairQR(t, p)
				mu.Lock()
				want[p] = append(want[p], cli.Store.ID.String())
				mu.Unlock()
			})
		}
	})
	if len(want) != 2 || len(want[phones[0]]) != 2 || len(want[phones[1]]) != 2 {
		t.Fatalf("paired %v", want)
	}
	for phone, jids := range want {
		got := e.Account(t, phone).Devices
		slices.Sort(jids)
		slices.Sort(got)
		if !slices.Equal(got, jids) {
			t.Errorf("%s devices = %v, want %v", phone, got, jids)
		}
	}
}
