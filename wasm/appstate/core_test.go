package appstate_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
	"github.com/waprivacy/waprivacy/wasm/appstate"
	"github.com/waprivacy/waprivacy/wasm/engine"
	"github.com/waprivacy/waprivacy/wasm/history"
	"github.com/waprivacy/waprivacy/wasm/outbox"
	"github.com/waprivacy/waprivacy/wasm/privacy"
	"github.com/waprivacy/waprivacy/wasm/session"
)

const phone = "5511988887777"

// network stands between the app and the emulator and can be cut, as a
// lost connection would.
type network struct {
	addr string
	down atomic.Bool
	mu   sync.Mutex
	open []net.Conn
}

func (n *network) configure(cli *whatsmeow.Client) {
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		if n.down.Load() {
			return nil, errors.New("network is down")
		}
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", n.addr)
		if err == nil {
			n.mu.Lock()
			n.open = append(n.open, c)
			n.mu.Unlock()
		}
		return c, err
	}
	hc := &http.Client{Transport: &http.Transport{DialContext: dial, DialTLSContext: dial}}
	cli.SetWebsocketHTTPClient(hc)
	cli.SetPreLoginHTTPClient(hc)
}

func (n *network) cut() {
	n.down.Store(true)
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, c := range n.open {
		c.Close()
	}
	n.open = nil
}

func (n *network) restore() { n.down.Store(false) }

var stores atomic.Int64

// page is one opening of the app; a second page on the same store name is
// a reload.
type page struct {
	core  *appstate.Core
	views chan appstate.View
}

func open(t *testing.T, n *network, store string) *page {
	t.Helper()
	core := appstate.New(appstate.Options{
		Store: store,
		Session: session.Options{
			Configure: n.configure,
			Backoff:   session.Backoff{Min: 50 * time.Millisecond, Max: 200 * time.Millisecond},
		},
	})
	p := &page{core: core, views: make(chan appstate.View, 10000)}
	core.Subscribe(func(v appstate.View) { p.views <- v })
	if err := core.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(core.Close)
	return p
}

// until returns the first published view that satisfies ok.
func (p *page) until(t *testing.T, what string, ok func(appstate.View) bool) appstate.View {
	t.Helper()
	timeout := time.After(emutest.Timeout)
	for {
		select {
		case v := <-p.views:
			if ok(v) {
				return v
			}
		case <-timeout:
			t.Fatalf("the view never showed %s; last: %+v", what, p.core.View())
		}
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), emutest.Timeout)
	t.Cleanup(cancel)
	return ctx
}

func newStore() string { return "appstate-" + strconv.FormatInt(stores.Add(1), 10) }

// link opens a page and links it to phone by QR, until the settings show.
func link(t *testing.T, env *emutest.Env, n *network, store string) *page {
	t.Helper()
	p := open(t, n, store)
	v := p.until(t, "a QR code", func(v appstate.View) bool { return v.Current.QRCode != "" })
	env.Control(t, http.MethodPost, "/control/scan", map[string]string{"qr": v.Current.QRCode, "phone": phone}, http.StatusOK, nil)
	p.until(t, "live settings", func(v appstate.View) bool { return v.Live && v.Connected() && v.Current.Account == phone })
	return p
}

// linkedThenOffline links a page on a fresh emulator, then cuts its
// network and waits until the page knows it is offline.
func linkedThenOffline(t *testing.T) (*emutest.Env, *network, *page) {
	t.Helper()
	env := emutest.Start(t)
	n := &network{addr: env.Addr()}
	p := link(t, env, n, newStore())
	n.cut()
	p.until(t, "offline", func(v appstate.View) bool { return !v.Connected() })
	return env, n, p
}

func setting(c privacy.Category, v privacy.Value) privacy.Update {
	return privacy.Update{Settings: map[privacy.Category]privacy.Value{c: v}}
}

func TestLinkChangeLogUndoAndPhoneNotice(t *testing.T) {
	env := emutest.Start(t)
	n := &network{addr: env.Addr()}
	p := link(t, env, n, newStore())
	ctx := ctxT(t)

	out, err := p.core.Apply(ctx, setting(privacy.LastSeen, privacy.Nobody))
	if err != nil || out.Queued {
		t.Fatalf("Apply: %+v %v", out, err)
	}
	if got := env.Account(t, phone).Privacy["last"]; got != "none" {
		t.Errorf("the emulator has last seen %q", got)
	}
	v := p.until(t, "the change in the history", func(v appstate.View) bool {
		return len(v.History) > 0 && v.History[0].Source == history.FromApp
	})
	if ch := v.History[0].Changes; len(ch) != 1 || ch[0].Field != "last" || ch[0].After != "none" {
		t.Errorf("history entry %+v", v.History[0])
	}

	if _, err := p.core.Apply(ctx, setting(privacy.LastSeen, "sometimes")); err == nil {
		t.Error("an invalid value was accepted")
	}
	var e *engine.Error
	if _, err := p.core.SetBlocked(ctx, "12", true); !errors.As(err, &e) || e.Status != engine.StatusInvalid {
		t.Errorf("blocking a malformed phone: %v", err)
	}

	env.Control(t, http.MethodPost, "/control/accounts/"+phone+"/privacy", map[string]string{"profile": "none"}, http.StatusOK, nil)
	v = p.until(t, "the phone's change with a notice", func(v appstate.View) bool {
		return v.Notice != nil && v.Privacy.Settings[privacy.Profile] == privacy.Nobody
	})
	if v.History[0].Source != history.FromPhone || v.Notice.ID != v.History[0].ID {
		t.Errorf("phone change logged as %+v, notice %+v", v.History[0], v.Notice)
	}
	if _, err := p.core.Undo(ctx, v.Notice.ID); err != nil {
		t.Fatal(err)
	}
	if got := env.Account(t, phone).Privacy["profile"]; got != "all" {
		t.Errorf("after undoing the phone's change the emulator has profile %q, want all", got)
	}

	if _, err := p.core.SetBlocked(ctx, "+55 11 90000-0009", true); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(env.Account(t, phone).Blocklist, "5511900000009") {
		t.Error("blocking did not reach the emulator")
	}
	v = p.until(t, "the block in the history", func(v appstate.View) bool {
		return len(v.History) > 0 && v.History[0].Changes[0].Field == privacy.FieldBlocked
	})
	if _, err := p.core.Undo(ctx, v.History[0].ID); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(env.Account(t, phone).Blocklist, "5511900000009") {
		t.Error("undoing the block left the contact blocked")
	}
}

func TestOfflineStartQueueAndConflict(t *testing.T) {
	env := emutest.Start(t)
	n := &network{addr: env.Addr()}
	store := newStore()
	first := link(t, env, n, store)
	first.core.Close()

	// Reopened offline: the last-known settings show, marked as such.
	n.cut()
	p := open(t, n, store)
	v := p.until(t, "last-known settings", func(v appstate.View) bool { return v.HasPrivacy })
	if v.Live || v.Connected() || v.Current.Account != phone || v.KnownAt.IsZero() {
		t.Errorf("offline view: live=%v connected=%v account=%q knownAt=%v", v.Live, v.Connected(), v.Current.Account, v.KnownAt)
	}
	if v.Privacy.Settings[privacy.LastSeen] != privacy.All {
		t.Errorf("last-known last seen %q", v.Privacy.Settings[privacy.LastSeen])
	}

	ctx := ctxT(t)
	out, err := p.core.Apply(ctx, setting(privacy.LastSeen, privacy.Contacts))
	if err != nil || !out.Queued {
		t.Fatalf("offline edit: %+v %v; want it queued", out, err)
	}
	if _, err := p.core.Apply(ctx, setting(privacy.About, privacy.Contacts)); err != nil {
		t.Fatal(err)
	}
	if out, err := p.core.SetBlocked(ctx, "5511900000007", true); err != nil || !out.Queued {
		t.Fatalf("offline block: %+v %v", out, err)
	}
	v = p.until(t, "three queued edits", func(v appstate.View) bool { return len(v.Queue) == 3 })
	if value, ok := v.PendingFor(privacy.SettingField(privacy.LastSeen)); !ok || value != "contacts" {
		t.Errorf("pending last seen %q %v", value, ok)
	}

	// The queue survives a reload.
	p.core.Close()
	p = open(t, n, store)
	p.until(t, "the queue after a reload", func(v appstate.View) bool { return len(v.Queue) == 3 })

	// Meanwhile the phone changes About, which one queued edit also sets.
	env.Control(t, http.MethodPost, "/control/accounts/"+phone+"/privacy", map[string]string{"status": "none"}, http.StatusOK, nil)
	n.restore()
	if err := p.core.Retry(); err != nil {
		t.Fatal(err)
	}
	v = p.until(t, "one conflict left", func(v appstate.View) bool {
		return v.Live && len(v.Queue) == 1 && v.Queue[0].State == outbox.Conflict
	})
	acc := env.Account(t, phone)
	if acc.Privacy["last"] != "contacts" || !slices.Contains(acc.Blocklist, "5511900000007") {
		t.Errorf("after reconnecting the emulator has last=%q blocklist=%v: the queued edits were not applied", acc.Privacy["last"], acc.Blocklist)
	}
	if acc.Privacy["status"] != "none" {
		t.Errorf("the conflicting edit overwrote the phone's About (%q) before anyone chose", acc.Privacy["status"])
	}
	if c := v.Queue[0].Conflicts; len(c) != 1 || c[0].Before != "none" || c[0].After != "contacts" {
		t.Errorf("conflict %+v", c)
	}
	if err := p.core.Resolve(ctx, v.Queue[0].ID, true); err != nil {
		t.Fatal(err)
	}
	p.until(t, "an empty queue", func(v appstate.View) bool { return len(v.Queue) == 0 })
	if got := env.Account(t, phone).Privacy["status"]; got != "contacts" {
		t.Errorf("keeping mine left About %q", got)
	}
}

func TestKeepingThePhonesValueDropsTheEdit(t *testing.T) {
	env, n, p := linkedThenOffline(t)
	ctx := ctxT(t)
	if _, err := p.core.Apply(ctx, setting(privacy.GroupAdd, privacy.Contacts)); err != nil {
		t.Fatal(err)
	}
	env.Control(t, http.MethodPost, "/control/accounts/"+phone+"/privacy", map[string]string{"groupadd": "contact_blacklist"}, http.StatusOK, nil)
	n.restore()
	p.core.Retry()
	// Resolving needs a connection; in one clean-clone run under -race,
	// Resolve right after the conflict showed answered "Not connected".
	v := p.until(t, "the conflict, connected", func(v appstate.View) bool {
		return len(v.Queue) == 1 && v.Queue[0].State == outbox.Conflict && v.Connected()
	})
	if err := p.core.Resolve(ctx, v.Queue[0].ID, false); err != nil {
		t.Fatal(err)
	}
	p.until(t, "an empty queue", func(v appstate.View) bool { return len(v.Queue) == 0 })
	if got := env.Account(t, phone).Privacy["groupadd"]; got != "contact_blacklist" {
		t.Errorf("keeping the phone's value left groups at %q", got)
	}
}

func TestSecondPageOnTheSameStoreIsRefused(t *testing.T) {
	env := emutest.Start(t)
	n := &network{addr: env.Addr()}
	store := newStore()
	open(t, n, store)
	other := appstate.New(appstate.Options{Store: store, Session: session.Options{Configure: n.configure}})
	if err := other.Start(context.Background()); err == nil {
		t.Fatal("a second page opened the same store")
	}
	if v := other.View(); v.Phase != appstate.PhaseOtherTab {
		t.Errorf("phase %q, want %q", v.Phase, appstate.PhaseOtherTab)
	}
	if _, err := other.Apply(context.Background(), setting(privacy.LastSeen, privacy.Nobody)); !errors.Is(err, appstate.ErrNotStarted) {
		t.Errorf("Apply on a page that did not start: %v", err)
	}
}

func TestAnUpdateWhoseConfirmationIsLostIsReadAgain(t *testing.T) {
	env := emutest.Start(t)
	n := &network{addr: env.Addr()}
	p := link(t, env, n, newStore())
	// The set goes through; the read that confirms it fails.
	env.SetFaults(t, emulator.Faults{FailIQ: map[string]int{"privacy": 500}, FailIQAfter: 1, FailIQCount: 1})
	out, err := p.core.Apply(ctxT(t), setting(privacy.Profile, privacy.Nobody))
	if err == nil || !appstate.Unconfirmed(out.Result) {
		t.Fatalf("Apply = %+v, %v: want an error for the lost confirmation, with every part applied", out.Result.Outcomes, err)
	}
	p.until(t, "the change read again", func(v appstate.View) bool {
		return v.Live && v.Privacy.Settings[privacy.Profile] == privacy.Nobody
	})
}

// An edit made while the open page lost its connection is applied on
// reconnection, though nothing else changed meanwhile.
func TestEditQueuedDuringAnOutageIsApplied(t *testing.T) {
	env, n, p := linkedThenOffline(t)
	if out, err := p.core.Apply(ctxT(t), setting(privacy.LastSeen, privacy.Contacts)); err != nil || !out.Queued {
		t.Fatalf("offline edit: %+v %v; want it queued", out, err)
	}
	n.restore()
	p.core.Retry()
	p.until(t, "an empty queue", func(v appstate.View) bool { return v.Connected() && len(v.Queue) == 0 })
	if got := env.Account(t, phone).Privacy["last"]; got != "contacts" {
		t.Errorf("after reconnecting the emulator has last seen %q, want the queued contacts", got)
	}
}

// A queued edit WhatsApp refused, with the read confirming it refused
// too, is applied when retried once WhatsApp accepts again.
func TestRefusedQueuedEditIsRetried(t *testing.T) {
	env, n, p := linkedThenOffline(t)
	timer := privacy.Timer(604800)
	if _, err := p.core.Apply(ctxT(t), privacy.Update{Timer: &timer}); err != nil {
		t.Fatal(err)
	}
	// The read after reconnecting succeeds; every later timer IQ fails.
	env.SetFaults(t, emulator.Faults{FailIQ: map[string]int{"disappearing_mode": 401}, FailIQAfter: 1})
	n.restore()
	p.core.Retry()
	v := p.until(t, "the refusal", func(v appstate.View) bool { return len(v.Queue) == 1 && v.Queue[0].State == outbox.Failed })
	env.SetFaults(t, emulator.Faults{})
	if err := p.core.RetryQueued(ctxT(t), v.Queue[0].ID); err != nil {
		t.Fatal(err)
	}
	p.until(t, "an empty queue", func(v appstate.View) bool { return len(v.Queue) == 0 })
	if got := env.Account(t, phone).DefaultDisappearingSeconds; got != 604800 {
		t.Errorf("after retrying the emulator's default timer is %d s, want 7 days", got)
	}
}
