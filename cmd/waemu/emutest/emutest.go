// Package emutest runs the emulated WhatsApp server in-process for other
// packages' tests, and links unmodified whatsmeow clients to it, the way
// net/http/httptest serves handlers.
//
// Start makes whatsmeow trust the emulator's TEST-ONLY root key, process
// wide: import this package from tests only.
package emutest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3/vfs/memdb"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	waLog "go.mau.fi/whatsmeow/util/log"

	// The database/sql driver named "sqlite3".
	_ "github.com/ncruces/go-sqlite3/driver"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
)

// Timeout bounds every wait for the emulator or a client; generous for
// -race on two cores.
const Timeout = 30 * time.Second

// Env is one emulator served over real TCP on loopback.
type Env struct {
	Server *emulator.Server
	HTTP   *httptest.Server
}

// trustOnce sets whatsmeow's root once per process: clients of earlier
// tests may still be reading it.
var trustOnce sync.Once

// Start serves a fresh emulator, its logs discarded, until the test ends.
func Start(t testing.TB) *Env {
	t.Helper()
	return StartWith(t, emulator.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// StartWith is Start with the server's options, for tests that keep the
// accounts in a file or read the server's logs.
func StartWith(t testing.TB, opts emulator.Options) *Env {
	t.Helper()
	trustOnce.Do(func() { whatsmeow.WACertPubKey = emulator.RootPublicKey() })
	srv, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{Server: srv, HTTP: httptest.NewServer(srv.Handler())}
	t.Cleanup(e.Close)
	return e
}

// Close stops the emulator before the test ends, as when it is restarted.
// Calling it again does nothing more.
func (e *Env) Close() {
	e.Server.Close()
	e.HTTP.Close()
}

// Addr is the emulator's host:port.
func (e *Env) Addr() string { return e.HTTP.Listener.Addr().String() }

// Redirect points cli's connections at the emulator.
func (e *Env) Redirect(cli *whatsmeow.Client) {
	hc := emulator.HTTPClient(e.Addr())
	cli.SetWebsocketHTTPClient(hc)
	cli.SetPreLoginHTTPClient(hc)
}

// NewClient is an unmodified whatsmeow client on an empty in-memory store,
// redirected to the emulator and disconnected when the test ends.
func (e *Env) NewClient(t testing.TB) *whatsmeow.Client {
	t.Helper()
	return e.NewClientWithLog(t, waLog.Noop)
}

// NewClientWithLog is NewClient with log as the client's logger.
func (e *Env) NewClientWithLog(t testing.TB, log waLog.Logger) *whatsmeow.Client {
	t.Helper()
	// A busy timeout: whatsmeow's event handlers and the engine's LID
	// lookups write to the store from separate connections at once.
	dsn := memdb.TestDB(t, url.Values{"_pragma": {"foreign_keys(1)", "busy_timeout(10000)"}})
	container, err := sqlstore.New(context.Background(), "sqlite3", dsn, waLog.Noop)
	if err != nil {
		t.Fatal(err)
	}
	cli := whatsmeow.NewClient(container.NewDevice(), log)
	e.Redirect(cli)
	t.Cleanup(cli.Disconnect)
	return cli
}

// Link pairs cli with phone's account by QR, as the phone would scan it,
// and waits until cli is connected.
func (e *Env) Link(t testing.TB, cli *whatsmeow.Client, phone string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	connected := make(chan struct{}, 1)
	id := cli.AddEventHandler(func(evt any) {
		if _, ok := evt.(*events.Connected); ok {
			select {
			case connected <- struct{}{}:
			default:
			}
		}
	})
	defer cli.RemoveEventHandler(id)
	qr, err := cli.GetQRChannel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
	for item := range qr {
		if item.Event == whatsmeow.QRChannelEventCode {
			e.Control(t, http.MethodPost, "/control/scan", map[string]string{"qr": item.Code, "phone": phone}, http.StatusOK, nil)
			break
		}
		t.Fatalf("pairing: %s %v", item.Event, item.Error)
	}
	select {
	case <-connected:
	case <-ctx.Done():
		t.Fatal("the linked client never connected")
	}
}

// LinkedClient is NewClient then Link.
func (e *Env) LinkedClient(t testing.TB, phone string) *whatsmeow.Client {
	t.Helper()
	cli := e.NewClient(t)
	e.Link(t, cli, phone)
	return cli
}

// Control calls the control API, checks the status and that the reply is
// JSON, and decodes the reply into out if it is not nil. body is sent as
// JSON, but a string is sent as it is, to send what is not valid JSON;
// either way with Content-Type: application/json, which the emulator
// requires of a body.
func (e *Env) Control(t testing.TB, method, path string, body any, wantStatus int, out any) {
	t.Helper()
	var rd io.Reader
	if s, ok := body.(string); ok {
		rd = strings.NewReader(s)
	} else if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.HTTP.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		// The emulator takes no other type (415).
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != wantStatus {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, wantStatus, data)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: Content-Type %q", method, path, ct)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
}

// Account is the emulator's view of phone's account.
func (e *Env) Account(t testing.TB, phone string) emulator.Account {
	t.Helper()
	var acc emulator.Account
	e.Control(t, http.MethodGet, "/control/accounts/"+phone, nil, http.StatusOK, &acc)
	return acc
}

// SetFaults injects faults until ClearFaults or the end of the test.
func (e *Env) SetFaults(t testing.TB, f emulator.Faults) {
	t.Helper()
	if err := e.Server.SetFaults(f); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Server.SetFaults(emulator.Faults{}) })
}

// HTTPClient sends every request to the emulator whatever its URL says, for
// whatsmeow calls that fetch from web.whatsapp.com, such as
// whatsmeow.GetLatestVersion(ctx, env.HTTPClient()).
func (e *Env) HTTPClient() *http.Client { return emulator.HTTPClient(e.Addr()) }

// ConfigureAccount creates phone's account if needed (without devices) and
// applies opts: POST /control/accounts/{phone}.
func (e *Env) ConfigureAccount(t testing.TB, phone string, opts emulator.AccountOptions) emulator.Account {
	t.Helper()
	var acc emulator.Account
	e.Control(t, http.MethodPost, "/control/accounts/"+phone, opts, http.StatusOK, &acc)
	return acc
}

// LegacyAccount makes phone's account a legacy phone-number account, whose
// lists are keyed by number. Call it before linking; accounts are
// LID-migrated by default.
func (e *Env) LegacyAccount(t testing.TB, phone string) emulator.Account {
	t.Helper()
	pn := "pn"
	return e.ConfigureAccount(t, phone, emulator.AccountOptions{Addressing: &pn})
}

// SetMessagesFeature turns the account's "messages" category on or off.
func (e *Env) SetMessagesFeature(t testing.TB, phone string, on bool) emulator.Account {
	t.Helper()
	return e.ConfigureAccount(t, phone, emulator.AccountOptions{MessagesFeature: &on})
}

// Number is what the emulator knows of a phone number: GET /control/numbers/{phone}.
func (e *Env) Number(t testing.TB, phone string) emulator.NumberInfo {
	t.Helper()
	var n emulator.NumberInfo
	e.Control(t, http.MethodGet, "/control/numbers/"+phone, nil, http.StatusOK, &n)
	return n
}

// LID is the LID JID the emulator gives phone (every companion sees the
// same); the test fails if the number is not on WhatsApp.
func (e *Env) LID(t testing.TB, phone string) types.JID {
	t.Helper()
	n := e.Number(t, phone)
	if n.LID == "" {
		t.Fatalf("%s is not on WhatsApp, so it has no LID", phone)
	}
	return types.NewJID(n.LID, types.HiddenUserServer)
}

// SetRegistered marks a number as on WhatsApp or not (every valid number is
// by default).
func (e *Env) SetRegistered(t testing.TB, phone string, registered bool) {
	t.Helper()
	e.Control(t, http.MethodPost, "/control/numbers/"+phone, map[string]bool{"registered": registered}, http.StatusOK, nil)
}

// PhoneBlock blocks and unblocks numbers on the phone of phone; the linked
// companions get the blocklist push.
func (e *Env) PhoneBlock(t testing.TB, phone string, block, unblock []string) emulator.Account {
	t.Helper()
	var acc emulator.Account
	e.Control(t, http.MethodPost, "/control/accounts/"+phone+"/blocklist",
		map[string]any{"block": block, "unblock": unblock}, http.StatusOK, &acc)
	return acc
}

// PhoneBlockEntries is PhoneBlock with entries, which may lack a number
// (a LID with a username or display name).
func (e *Env) PhoneBlockEntries(t testing.TB, phone string, block, unblock []emulator.Entry) emulator.Account {
	t.Helper()
	var acc emulator.Account
	e.Control(t, http.MethodPost, "/control/accounts/"+phone+"/blocklist",
		map[string]any{"blockEntries": block, "unblockEntries": unblock}, http.StatusOK, &acc)
	return acc
}

// PhoneEditList changes an except list ("last", "profile", "status",
// "groupadd") on the phone of phone, by entries that may lack a number.
func (e *Env) PhoneEditList(t testing.TB, phone, category string, add, remove []emulator.Entry) emulator.Account {
	t.Helper()
	var acc emulator.Account
	e.Control(t, http.MethodPost, "/control/accounts/"+phone+"/disallowed/"+category,
		map[string]any{"addEntries": add, "removeEntries": remove}, http.StatusOK, &acc)
	return acc
}

// PhoneTimer sets the default disappearing-messages timer on the phone of
// phone; the linked companions get an account_sync push.
func (e *Env) PhoneTimer(t testing.TB, phone string, seconds int) emulator.Account {
	t.Helper()
	var acc emulator.Account
	e.Control(t, http.MethodPost, "/control/accounts/"+phone+"/disappearing", map[string]int{"seconds": seconds}, http.StatusOK, &acc)
	return acc
}

// SetVersions sets the minimum client version ("2.3000.N"; "" for none) and
// the current one GET / publishes; a nil argument keeps the value.
func (e *Env) SetVersions(t testing.TB, min, current *string) emulator.Versions {
	t.Helper()
	var v emulator.Versions
	e.Control(t, http.MethodPost, "/control/version",
		map[string]*string{"minClientVersion": min, "currentClientVersion": current}, http.StatusOK, &v)
	return v
}
