package emulator_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
)

func TestLatestVersionPage(t *testing.T) {
	e := newEnv(t)
	own := store.GetWAVersion()
	latest, err := whatsmeow.GetLatestVersion(ctxT(t), e.HTTPClient())
	if err != nil || *latest != own {
		t.Fatalf("GetLatestVersion = %v, %v; want this whatsmeow's %v", latest, err, own)
	}
	cur := "2.3000.1099999999"
	if v := e.SetVersions(t, nil, &cur); v.CurrentClientVersion != cur || v.MinClientVersion != "" {
		t.Fatalf("versions %+v", v)
	}
	latest, err = whatsmeow.GetLatestVersion(ctxT(t), e.HTTPClient())
	if err != nil || latest.String() != cur {
		t.Fatalf("GetLatestVersion = %v, %v; want %s", latest, err, cur)
	}
	// The page is plain HTML at /, as web.whatsapp.com's.
	resp, err := http.Get(e.HTTP.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), `"client_revision":1099999999,`) {
		t.Fatalf("GET / %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if resp, err := http.Get(e.HTTP.URL + "/nothing-here"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /nothing-here: %v %v", resp, err)
	}
	e.Control(t, "POST", "/control/version", map[string]string{"currentClientVersion": "2.3000"}, http.StatusBadRequest, nil)
}

func TestOutdatedClientRefused(t *testing.T) {
	e := newEnv(t)
	own := store.GetWAVersion()
	newer := "2.3000." + strconv.FormatUint(uint64(own[2])+1, 10)
	const phone = "5511977770001"
	cli, rec := e.pairQR(t, phone)
	cli.Disconnect()

	e.SetVersions(t, &newer, nil)
	if v := e.Server.Versions(); v.MinClientVersion != newer {
		t.Fatalf("versions %+v", v)
	}
	// A login of a paired companion…
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
	waitFor[*events.ClientOutdated](t, rec)
	// …and a new pairing are refused with 405.
	fresh, freshRec := e.newClient(t, newStore(t).NewDevice())
	if err := fresh.Connect(); err != nil {
		t.Fatal(err)
	}
	waitFor[*events.ClientOutdated](t, freshRec)

	// The same version as the minimum is not outdated.
	exact := own.String()
	e.SetVersions(t, &exact, nil)
	cli.Disconnect()
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
	waitFor[*events.Connected](t, rec)
	none := ""
	if v := e.SetVersions(t, &none, nil); v.MinClientVersion != "" {
		t.Fatalf("versions %+v", v)
	}
}

func TestVersionOptions(t *testing.T) {
	if _, err := emulator.New(emulator.Options{MinClientVersion: "2.x"}); err == nil {
		t.Fatal("malformed minimum accepted")
	}
	srv, err := emulator.New(emulator.Options{MinClientVersion: "2.3000.5", CurrentClientVersion: "1045649999"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if v := srv.Versions(); v.MinClientVersion != "2.3000.5" || v.CurrentClientVersion != "2.3000.1045649999" {
		t.Fatalf("versions %+v", v)
	}
}
