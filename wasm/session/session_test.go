package session_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
	"github.com/waprivacy/waprivacy/wasm/engine"
	"github.com/waprivacy/waprivacy/wasm/privacy"
	"github.com/waprivacy/waprivacy/wasm/session"
	"github.com/waprivacy/waprivacy/wasm/storage/storagetest"
)

// watcher records every status a manager publishes.
type watcher struct{ ch chan session.Status }

func watch(m *session.Manager) *watcher {
	w := &watcher{ch: make(chan session.Status, 1000)}
	m.Subscribe(func(s session.Status) { w.ch <- s })
	return w
}

// until returns the first status that satisfies ok.
func (w *watcher) until(t *testing.T, what string, ok func(session.Status) bool) session.Status {
	t.Helper()
	timeout := time.After(emutest.Timeout)
	for {
		select {
		case s := <-w.ch:
			if ok(s) {
				return s
			}
		case <-timeout:
			t.Fatalf("no status %s within %s", what, emutest.Timeout)
		}
	}
}

func state(st session.State) func(session.Status) bool {
	return func(s session.Status) bool { return s.State == st }
}

var stores int

// newManager runs a manager on the in-memory store called name, so a
// second manager on the same name sees what the first saved.
func newManager(t *testing.T, env *emutest.Env, name string) *session.Manager {
	t.Helper()
	container, err := storagetest.OpenMemory(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	m := session.NewManager(context.Background(), container, session.Options{
		Configure: env.Redirect,
		Backoff:   session.Backoff{Min: 50 * time.Millisecond, Max: 200 * time.Millisecond, Jitter: 0.2},
	})
	t.Cleanup(m.Close)
	return m
}

func storeName(t *testing.T) string {
	stores++
	return t.Name() + strconv.Itoa(stores)
}

// linkByQR links a new account of m to phone and waits until connected.
func linkByQR(t *testing.T, env *emutest.Env, m *session.Manager, w *watcher, phone string) session.Status {
	t.Helper()
	key := m.Link()
	s := w.until(t, "with a QR code", func(s session.Status) bool { return s.Account == key && s.QRCode != "" })
	if s.State != session.StateWaitingScan || s.QRExpires.Before(time.Now()) {
		t.Errorf("QR status %+v", s)
	}
	env.Control(t, http.MethodPost, "/control/scan", map[string]string{"qr": s.QRCode, "phone": phone}, http.StatusOK, nil)
	s = w.until(t, "connected", func(s session.Status) bool { return s.Account == phone && s.State == session.StateConnected })
	if s.Was != key || s.Phone != phone {
		t.Errorf("linked status %+v: want the account renamed from %s to %s", s, key, phone)
	}
	return s
}

func TestLinkByQRThenRestartReconnectsEveryAccount(t *testing.T) {
	env := emutest.Start(t)
	name := storeName(t)
	m := newManager(t, env, name)
	w := watch(m)
	linkByQR(t, env, m, w, "5511911110000")
	linkByQR(t, env, m, w, "5511922220000")
	if got := m.Accounts(); len(got) != 2 || got[0].Account != "5511911110000" || got[1].Account != "5511922220000" {
		t.Fatalf("accounts %+v", got)
	}

	// A reload: the manager stops, and a new one on the same store logs
	// both accounts in with their saved identities, no pairing.
	m.Close()
	m2 := newManager(t, env, name)
	w2 := watch(m2)
	if err := m2.Start(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		w2.until(t, "connected after restart", state(session.StateConnected))
	}
	if m2.Engine("5511911110000") == nil || m2.Engine("nobody") != nil {
		t.Error("engines: want one per linked account and none for unknown keys")
	}
}

func TestLinkByPhoneCode(t *testing.T) {
	env := emutest.Start(t)
	m := newManager(t, env, storeName(t))
	w := watch(m)
	key := m.Link()
	ctx, cancel := context.WithTimeout(context.Background(), emutest.Timeout)
	defer cancel()
	if _, err := m.PairPhone(ctx, key, "12"); err == nil {
		t.Error("a malformed phone was accepted")
	}
	code, err := m.PairPhone(ctx, key, "+55 11 93333-0000")
	if err != nil {
		t.Fatal(err)
	}
	if len(code) != 9 || code[4] != '-' {
		t.Errorf("pairing code %q, want XXXX-XXXX", code)
	}
	w.until(t, "showing the code", func(s session.Status) bool { return s.PairingCode == code })
	env.Control(t, http.MethodPost, "/control/link-code", map[string]string{"phone": "5511933330000", "code": code}, http.StatusOK, nil)
	w.until(t, "connected", func(s session.Status) bool { return s.Account == "5511933330000" && s.State == session.StateConnected })
}

func TestReconnectsAfterTheConnectionDrops(t *testing.T) {
	env := emutest.Start(t)
	m := newManager(t, env, storeName(t))
	w := watch(m)
	linkByQR(t, env, m, w, "5511944440000")
	env.SetFaults(t, emulator.Faults{DropAfterMs: 100})
	w.until(t, "reconnecting", state(session.StateConnecting))
	env.Server.SetFaults(emulator.Faults{})
	w.until(t, "connected again", state(session.StateConnected))
}

func TestUnreachableRetriesWithBackoff(t *testing.T) {
	env := emutest.Start(t)
	m := newManager(t, env, storeName(t))
	w := watch(m)
	linkByQR(t, env, m, w, "5511955550000")
	env.HTTP.Close() // WhatsApp is gone
	env.Server.Close()
	s := w.until(t, "unreachable", state(session.StateUnreachable))
	if s.Detail == "" || s.RetryAt.IsZero() || time.Until(s.RetryAt) > time.Second {
		t.Errorf("unreachable status %+v: want a reason and a retry time within the backoff", s)
	}
	w.until(t, "retrying", state(session.StateConnecting))
}

func TestUnlinkAndLoggedOutByPhone(t *testing.T) {
	env := emutest.Start(t)
	m := newManager(t, env, storeName(t))
	w := watch(m)
	linkByQR(t, env, m, w, "5511966660000")
	linkByQR(t, env, m, w, "5511977770000")

	ctx, cancel := context.WithTimeout(context.Background(), emutest.Timeout)
	defer cancel()
	if err := m.Unlink(ctx, "5511966660000"); err != nil {
		t.Fatal(err)
	}
	if devices := env.Account(t, "5511966660000").Devices; len(devices) != 0 {
		t.Errorf("after unlinking, the phone still lists %v", devices)
	}
	if err := m.Unlink(ctx, "5511966660000"); err != session.ErrUnknownAccount {
		t.Errorf("unlinking twice: %v", err)
	}

	// The phone removes the other one.
	acc := env.Account(t, "5511977770000")
	env.Control(t, http.MethodPost, "/control/accounts/5511977770000/unlink", map[string]string{"jid": acc.Devices[0]}, http.StatusOK, nil)
	s := w.until(t, "logged out", state(session.StateLoggedOut))
	if s.Account != "5511977770000" || s.Detail == "" {
		t.Errorf("logged-out status %+v", s)
	}
	m.Forget("5511977770000")
	if len(m.Accounts()) != 0 {
		t.Errorf("accounts left: %+v", m.Accounts())
	}
}

func TestBackoff(t *testing.T) {
	b := session.Backoff{Min: time.Second, Max: 10 * time.Second, Jitter: 0.2}
	for n, base := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 50: 10 * time.Second} {
		for range 100 {
			d := b.Delay(n)
			if d < base*8/10 || d > base*12/10 {
				t.Fatalf("attempt %d: delay %v outside %v ± 20%%", n, d, base)
			}
		}
	}
	seen := map[time.Duration]bool{}
	for range 20 {
		seen[b.Delay(3)] = true
	}
	if len(seen) < 2 {
		t.Error("no jitter: every delay is the same")
	}
}

func TestPrivacyChangesOfEveryAccountArePublished(t *testing.T) {
	env := emutest.Start(t)
	m := newManager(t, env, storeName(t))
	w := watch(m)
	type change struct {
		account string
		profile string
	}
	changes := make(chan change, 100)
	m.SubscribePrivacy(func(account string, c engine.Change) {
		changes <- change{account, string(c.Snapshot.Settings[privacy.Profile])}
	})
	linkByQR(t, env, m, w, "5511988880000")
	env.Control(t, http.MethodPost, "/control/accounts/5511988880000/privacy", map[string]string{"profile": "contacts"}, http.StatusOK, nil)
	timeout := time.After(emutest.Timeout)
	for {
		select {
		case c := <-changes:
			if c.account == "5511988880000" && c.profile == "contacts" {
				return
			}
		case <-timeout:
			t.Fatal("the phone's change was not published for the account")
		}
	}
}
