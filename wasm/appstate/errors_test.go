package appstate_test

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
	"github.com/waprivacy/waprivacy/wasm/appstate"
	"github.com/waprivacy/waprivacy/wasm/crash"
	"github.com/waprivacy/waprivacy/wasm/history"
	"github.com/waprivacy/waprivacy/wasm/outbox"
	"github.com/waprivacy/waprivacy/wasm/privacy"
	"github.com/waprivacy/waprivacy/wasm/session"
	"github.com/waprivacy/waprivacy/wasm/storage"
)

const injected = "injected: the disk said no"

// refuseDeletes makes every DELETE from table fail, as a storage error
// would, until the returned function is called.
func refuseDeletes(t *testing.T, p *page, table string) (allow func()) {
	t.Helper()
	db := appstate.DB(p.core)
	if _, err := db.Exec(`CREATE TRIGGER refuse_delete BEFORE DELETE ON ` + table + ` BEGIN SELECT RAISE(ABORT, '` + injected + `'); END`); err != nil {
		t.Fatal(err)
	}
	return func() {
		if _, err := db.Exec(`DROP TRIGGER refuse_delete`); err != nil {
			t.Fatal(err)
		}
	}
}

// queued counts the rows of the queue's table.
func queued(t *testing.T, p *page) int {
	t.Helper()
	var n int
	if err := appstate.DB(p.core).QueryRow(`SELECT count(*) FROM waprivacy_outbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// An applied edit that cannot be removed from the queue says so, and is
// not applied again: here, over the phone's later change of the same
// setting, which would make it a conflict to settle.
func TestAnAppliedEditWhoseRemovalFailsIsNotAppliedAgain(t *testing.T) {
	env, n, p := linkedThenOffline(t)
	if out, err := p.core.Apply(ctxT(t), setting(privacy.LastSeen, privacy.Contacts)); err != nil || !out.Queued {
		t.Fatalf("offline edit: %+v %v; want it queued", out, err)
	}
	allow := refuseDeletes(t, p, "waprivacy_outbox")
	n.restore()
	p.core.Retry()
	p.until(t, "the failed removal, with the applied edit off the queue", func(v appstate.View) bool {
		return v.Connected() && len(v.Queue) == 0 && strings.Contains(v.Problem, "removing an applied change from the queue") &&
			strings.Contains(v.Problem, injected)
	})
	if got := env.Account(t, phone).Privacy["last"]; got != "contacts" {
		t.Fatalf("the emulator has last seen %q, want the queued contacts", got)
	}
	if queued(t, p) != 1 {
		t.Fatal("the edit left the table though deleting was refused")
	}

	allow()
	env.Control(t, http.MethodPost, "/control/accounts/"+phone+"/privacy", map[string]string{"last": "none"}, http.StatusOK, nil)
	deadline := time.Now().Add(emutest.Timeout)
	for queued(t, p) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the applied edit is still queued after the next flush; view: %+v", p.core.View().Queue)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if v := p.core.View(); len(v.Queue) != 0 {
		t.Errorf("the queue shows %+v", v.Queue)
	}
	if got := env.Account(t, phone).Privacy["last"]; got != "none" {
		t.Errorf("the phone's last seen became %q: the applied edit was applied again", got)
	}
}

// Unlinking deletes what is kept about the account in one transaction; if
// that fails, nothing is deleted, the person is told, and the next start
// deletes it.
func TestAFailedForgetAtUnlinkIsAllOrNothingAndSaysSo(t *testing.T) {
	env := emutest.Start(t)
	n := &network{addr: env.Addr()}
	store := newStore()
	p := link(t, env, n, store)
	ctx := ctxT(t)
	db := appstate.DB(p.core)
	log, err := history.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	// A refused edit, which no flush touches meanwhile.
	if _, err := db.Exec(`INSERT INTO waprivacy_outbox (account, at, edit, state) VALUES (?, 0, '{}', ?)`, phone, outbox.Failed); err != nil {
		t.Fatal(err)
	}
	if _, _, known, err := log.LastKnown(ctx, phone); !known || err != nil {
		t.Fatalf("no last-known settings after linking: %v", err)
	}
	allow := refuseDeletes(t, p, "waprivacy_outbox")

	err = p.core.Unlink(ctx, phone)
	if err == nil || !strings.Contains(err.Error(), injected) || !strings.Contains(err.Error(), "this device is unlinked") {
		t.Fatalf("Unlink = %v, want the failure to forget", err)
	}
	if v := p.core.View(); !strings.Contains(v.Problem, injected) {
		t.Errorf("the view's problem is %q", v.Problem)
	}
	// The history's deletes came first, and were rolled back with the
	// queue's.
	if _, _, known, _ := log.LastKnown(ctx, phone); !known {
		t.Error("the settings were forgotten though the queue could not be: not one transaction")
	}

	// The next start deletes what the unlink left.
	allow()
	p.core.Close()
	p = open(t, n, store)
	p.until(t, "linking again", func(v appstate.View) bool { return v.Phase == appstate.PhaseReady })
	db = appstate.DB(p.core)
	box, err := outbox.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if log, err = history.Open(ctx, db); err != nil {
		t.Fatal(err)
	}
	if accounts, err := log.Accounts(ctx); err != nil || len(accounts) != 0 {
		t.Errorf("after the next start the history keeps %v (%v)", accounts, err)
	}
	if accounts, err := box.Accounts(ctx); err != nil || len(accounts) != 0 {
		t.Errorf("after the next start the queue keeps %v (%v)", accounts, err)
	}
}

// A start that fails after opening the database closes it, releases the
// tab's lock and leaves no goroutine behind.
func TestAStartThatFailsKeepsNothing(t *testing.T) {
	ctx := ctxT(t)
	name := newStore()
	s, err := storage.Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	// The linked accounts can no longer be read.
	if _, err := s.DB().Exec(`DROP TABLE whatsmeow_device`); err != nil {
		t.Fatal(err)
	}
	s.Close()

	before := runtime.NumGoroutine()
	core := appstate.New(appstate.Options{Store: name, Session: session.Options{}})
	if err := core.Start(ctx); err == nil {
		t.Fatal("Start succeeded without the accounts' table")
	}
	if v := core.View(); v.Phase != appstate.PhaseFailed || !strings.Contains(v.Problem, "reading linked accounts") {
		t.Errorf("view phase %q, problem %q", v.Phase, v.Problem)
	}
	core.Close()
	again, err := storage.Open(ctx, name)
	if err != nil {
		t.Fatalf("the failed start kept the store: %v", err)
	}
	again.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before the start:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A panic while handling one event is reported and the next events are
// handled.
func TestAPanicWhileHandlingAnEventIsRecovered(t *testing.T) {
	reports := make(chan crash.Report, 10)
	t.Cleanup(crash.SetHandler(func(r crash.Report) { reports <- r }))
	env := emutest.Start(t)
	n := &network{addr: env.Addr()}
	core := appstate.New(appstate.Options{Store: newStore(), Session: session.Options{Configure: n.configure}})
	views := make(chan appstate.View, 10000)
	panicked := false
	core.Subscribe(func(v appstate.View) {
		if v.Current.QRCode != "" && !panicked {
			panicked = true
			panic("a bug in a view's subscriber")
		}
		views <- v
	})
	if err := core.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(core.Close)
	p := &page{core: core, views: views}
	select {
	case r := <-reports:
		if r.Where != "the page's events" || r.Value != "a bug in a view's subscriber" {
			t.Errorf("report %q: %v", r.Where, r.Value)
		}
	case <-time.After(emutest.Timeout):
		t.Fatal("no panic reported")
	}
	// The view published though its subscriber panicked.
	v := core.View()
	if v.Current.QRCode == "" {
		t.Fatalf("the view lacks the QR code: %+v", v.Current)
	}
	env.Control(t, http.MethodPost, "/control/scan", map[string]string{"qr": v.Current.QRCode, "phone": phone}, http.StatusOK, nil)
	p.until(t, "live settings", func(v appstate.View) bool { return v.Live && v.Connected() })
}
