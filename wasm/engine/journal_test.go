package engine_test

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/ncruces/go-sqlite3/driver"
	"github.com/ncruces/go-sqlite3/vfs/memdb"
	"go.mau.fi/whatsmeow"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
	"github.com/waprivacy/waprivacy/wasm/engine"
	"github.com/waprivacy/waprivacy/wasm/journal"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// journaled links an account whose engine keeps its journal in SQLite.
// The client does not reconnect on its own: each test reconnects it when
// it has done what is to happen while the account is offline.
func journaled(t *testing.T) (*emutest.Env, *whatsmeow.Client, *engine.Engine, *journal.Store, <-chan engine.Change) {
	t.Helper()
	env := emutest.Start(t)
	db, err := sql.Open("sqlite3", memdb.TestDB(t, url.Values{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	j, err := journal.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	cli := env.LinkedClient(t, phone)
	cli.EnableAutoReconnect = false
	e := engine.New(cli, engine.Options{Journal: j})
	changes := make(chan engine.Change, 1000)
	t.Cleanup(e.Subscribe(func(c engine.Change) { changes <- c }))
	return env, cli, e, j, changes
}

// reconnect connects cli again if the cut disconnected it.
func reconnect(t *testing.T, cli *whatsmeow.Client) {
	t.Helper()
	if cli.IsConnected() {
		return
	}
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
}

// resolved reconnects the client whenever the cut has disconnected it,
// and waits until no update is open in the journal; it returns the
// recovery that closed the last one, if any was published.
func resolved(t *testing.T, cli *whatsmeow.Client, j *journal.Store, changes <-chan engine.Change) *engine.Recovery {
	t.Helper()
	var last *engine.Recovery
	deadline := time.Now().Add(emutest.Timeout)
	for {
		reconnect(t, cli)
		n, err := j.Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for drained := false; !drained; {
			select {
			case c := <-changes:
				if c.Recovery != nil {
					last = c.Recovery
				}
			default:
				drained = true
			}
		}
		if n == 0 {
			return last
		}
		if time.Now().After(deadline) {
			open, _ := j.Open(context.Background(), phone)
			t.Fatalf("%d updates are still open (connected %v, logged in %v): %+v", n, cli.IsConnected(), cli.IsLoggedIn(), open)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sevenWithTimer changes six settings and the timer; its fourth privacy IQ
// is refused by the emulator in the tests that use failingFourth.
func sevenWithTimer() privacy.Update {
	timer := privacy.Timer90Days
	return privacy.Update{Settings: map[privacy.Category]privacy.Value{
		privacy.LastSeen: privacy.Nobody, privacy.Online: privacy.MatchLastSeen, privacy.Profile: privacy.Nobody,
		privacy.About: privacy.Nobody, privacy.ReadReceipts: privacy.Nobody, privacy.GroupAdd: privacy.Contacts,
	}, Timer: &timer}
}

// settle waits until the engine has read what the phone changed: every
// change made through the control API is pushed, and the engine re-reads
// in the background, which would otherwise land among the IQs a test
// counts.
func settle(t *testing.T, env *emutest.Env, e *engine.Engine, changes <-chan engine.Change) privacy.Snapshot {
	t.Helper()
	deadline := time.Now().Add(emutest.Timeout)
	for {
		select {
		case <-changes:
			continue
		case <-time.After(150 * time.Millisecond):
		}
		want := emulatorSnapshot(t, env)
		if got, ok := e.Cached(); ok && sameSnapshot(got, want) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatal("the engine never read what the phone changed")
		}
		if _, err := e.Refresh(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	}
}

func sameSnapshot(a, b privacy.Snapshot) bool {
	if !maps.Equal(a.Settings, b.Settings) || a.DefaultTimer != b.DefaultTimer || !slices.Equal(a.Blocked, b.Blocked) {
		return false
	}
	for _, c := range privacy.ExceptListCategories() {
		if !slices.Equal(a.Except[c], b.Except[c]) {
			return false
		}
	}
	return true
}

// resetAccount puts the emulator's account back as the phone would, and
// waits until the engine has read it.
func resetAccount(t *testing.T, env *emutest.Env, e *engine.Engine, changes <-chan engine.Change) privacy.Snapshot {
	t.Helper()
	env.SetFaults(t, emulator.Faults{})
	env.Control(t, http.MethodPost, "/control/accounts/"+phone+"/privacy", map[string]string{
		"last": "all", "online": "all", "profile": "all", "status": "contacts", "readreceipts": "all", "groupadd": "all",
	}, http.StatusOK, nil)
	env.Control(t, http.MethodPost, "/control/accounts/"+phone+"/disappearing", map[string]int{"seconds": 0}, http.StatusOK, nil)
	return settle(t, env, e, changes)
}

// A seven-field update with a refused field, cut after each of the
// privacy IQs it and its rollback send, in turn, and once without a cut:
// however the cut falls (during the writes, the re-read or the rollback),
// the account ends as it was, and the journal is empty.
func TestACutAnywhereInAFailingUpdateLeavesTheAccountAsItWas(t *testing.T) {
	env, cli, e, j, changes := journaled(t)
	// Writes (6), re-read (1 + 4 lists), rollback (5 writes, 5 reads):
	// 21 privacy IQs; 23 cuts past the end cut nothing.
	cuts := map[string]int{}
	for n := 1; n <= 23; n++ {
		before := resetAccount(t, env, e, changes)
		env.SetFaults(t, emulator.Faults{
			FailIQ: map[string]int{"privacy": 500}, FailIQAfter: 3, FailIQCount: 1,
			CutAfterIQ: map[string]int{"privacy": n},
		})
		_, err := e.Apply(ctxT(t), sevenWithTimer())
		var ee *engine.Error
		if !errors.As(err, &ee) {
			t.Fatalf("cut after IQ %d: the update did not fail: %v", n, err)
		}
		r := resolved(t, cli, j, changes)
		assertSame(t, emulatorSnapshot(t, env), before)
		switch {
		case ee.Recovering:
			cuts["recovered: "+resultOf(r)]++
		case ee.Status == engine.StatusWhatsAppError:
			cuts["rolled back at once"]++
		default:
			t.Errorf("cut after IQ %d: %d %s", n, ee.Status, ee.Message)
		}
	}
	t.Logf("outcomes of 23 cuts: %v", cuts)
	if cuts["rolled back at once"] == 23 {
		t.Error("no cut interrupted the update: the fault never fired")
	}
}

func resultOf(r *engine.Recovery) string {
	if r == nil {
		return "nothing published"
	}
	return r.Result
}

// Without a refused field, a cut before the last write leaves a partial
// update that recovery undoes; a cut after every write leaves the whole
// update, which recovery keeps.
func TestACutUpdateIsUndoneOrKeptWhole(t *testing.T) {
	env, cli, e, j, changes := journaled(t)
	for _, tc := range []struct {
		cut    int
		result string
	}{
		// The six settings go first, the timer (another namespace) last,
		// then the re-read: a cut after the sixth setting comes before
		// the timer's write, one in the re-read after every write.
		{1, engine.RecoveredUndone}, {3, engine.RecoveredUndone}, {6, engine.RecoveredUndone},
		{7, engine.RecoveredApplied}, {11, engine.RecoveredApplied},
	} {
		before := resetAccount(t, env, e, changes)
		env.SetFaults(t, emulator.Faults{CutAfterIQ: map[string]int{"privacy": tc.cut}})
		_, err := e.Apply(ctxT(t), sevenWithTimer())
		var ee *engine.Error
		if !errors.As(err, &ee) || !ee.Recovering {
			t.Fatalf("cut %d: %v, want an error saying the outcome is being recovered", tc.cut, err)
		}
		r := resolved(t, cli, j, changes)
		if r == nil || r.Result != tc.result {
			t.Fatalf("cut %d: recovery %+v, want %s", tc.cut, r, tc.result)
		}
		now := emulatorSnapshot(t, env)
		if tc.result == engine.RecoveredUndone {
			assertSame(t, now, before)
			if len(r.Changes) == 0 {
				t.Errorf("cut %d: recovery lists no change", tc.cut)
			}
		} else {
			assertSame(t, now, sevenWithTimer().ApplyTo(before))
		}
	}
}

// The phone changes a field that the cut update had changed, before the
// account reconnects: recovery leaves it as the phone has it, says so,
// and undoes the rest.
func TestAFieldThePhoneChangedMeanwhileStaysAsThePhoneHasIt(t *testing.T) {
	env, cli, e, j, changes := journaled(t)
	before := resetAccount(t, env, e, changes)
	// The account stays offline after the cut while the phone changes
	// last seen.
	env.SetFaults(t, emulator.Faults{CutAfterIQ: map[string]int{"privacy": 2}})
	u := privacy.Update{Settings: map[privacy.Category]privacy.Value{
		privacy.LastSeen: privacy.Nobody, privacy.Profile: privacy.Nobody, privacy.About: privacy.Nobody,
	}}
	if _, err := e.Apply(ctxT(t), u); err == nil {
		t.Fatal("the cut update succeeded")
	}
	env.Control(t, http.MethodPost, "/control/accounts/"+phone+"/privacy", map[string]string{"last": "contacts"}, http.StatusOK, nil)
	r := resolved(t, cli, j, changes)
	want := before.Clone()
	want.Settings[privacy.LastSeen] = privacy.Contacts
	assertSame(t, emulatorSnapshot(t, env), want)
	if r == nil || r.Result != engine.RecoveredUndone {
		t.Fatalf("recovery %+v", r)
	}
	got := map[string]string{}
	for _, p := range r.Parts {
		got[p.Field] = p.Result
	}
	if got["last"] != engine.ResultPhoneChanged || got["profile"] != engine.ResultRestored || got["status"] != engine.ResultUnchanged {
		t.Errorf("parts %v", got)
	}
}

// An except-list change and a setting, cut right after the list's write:
// the list gets the inverse change with its new hash, and the category
// its old value.
func TestAnExceptListCutMidwayIsChangedBack(t *testing.T) {
	env, cli, e, j, changes := journaled(t)
	resetAccount(t, env, e, changes)
	env.Control(t, http.MethodPost, "/control/accounts/"+phone+"/disallowed/last", map[string]any{"add": []string{"5511900000001"}}, http.StatusOK, nil)
	env.Control(t, http.MethodPost, "/control/accounts/"+phone+"/privacy", map[string]string{"last": "contacts"}, http.StatusOK, nil)
	before := settle(t, env, e, changes)
	env.SetFaults(t, emulator.Faults{CutAfterIQ: map[string]int{"privacy": 1}})
	_, err := e.Apply(ctxT(t), privacy.Update{
		Except:   map[privacy.Category]privacy.ExceptDelta{privacy.LastSeen: {Add: []string{"5511900000002"}, Remove: []string{"5511900000001"}}},
		Settings: map[privacy.Category]privacy.Value{privacy.Profile: privacy.Nobody},
	})
	if err == nil {
		t.Fatal("the cut update succeeded")
	}
	r := resolved(t, cli, j, changes)
	if r == nil || r.Result != engine.RecoveredUndone {
		t.Fatalf("recovery %+v", r)
	}
	now := emulatorSnapshot(t, env)
	assertSame(t, now, before)
	if !slices.Equal(now.Except[privacy.LastSeen], []string{"5511900000001"}) || now.Settings[privacy.LastSeen] != privacy.Contacts {
		t.Errorf("last seen %s except %v", now.Settings[privacy.LastSeen], now.Except[privacy.LastSeen])
	}
}

// The journal row is written before the first request leaves: an update
// whose record cannot be written sends nothing.
func TestAnUpdateThatCannotBeJournaledSendsNothing(t *testing.T) {
	env := emutest.Start(t)
	db, err := sql.Open("sqlite3", memdb.TestDB(t, url.Values{}))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	j, err := journal.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TRIGGER refuse BEFORE INSERT ON waprivacy_journal BEGIN SELECT RAISE(ABORT, 'disk full'); END`); err != nil {
		t.Fatal(err)
	}
	e := engine.New(env.LinkedClient(t, phone), engine.Options{Journal: j})
	before, err := e.Refresh(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Apply(ctxT(t), sevenWithTimer())
	var ee *engine.Error
	if !errors.As(err, &ee) || ee.Status != engine.StatusInternalError || !strings.Contains(ee.Message, "nothing was sent") || !strings.Contains(ee.Message, "disk full") {
		t.Fatalf("got %v", err)
	}
	assertSame(t, emulatorSnapshot(t, env), before)
}

// Recovery cut short in its turn is resumed at the next connection, from
// where it stopped.
func TestARecoveryThatIsCutResumes(t *testing.T) {
	env, cli, e, j, changes := journaled(t)
	before := resetAccount(t, env, e, changes)
	env.SetFaults(t, emulator.Faults{CutAfterIQ: map[string]int{"privacy": 3}})
	u := privacy.Update{Settings: map[privacy.Category]privacy.Value{
		privacy.LastSeen: privacy.Nobody, privacy.Profile: privacy.Nobody, privacy.About: privacy.Nobody,
		privacy.ReadReceipts: privacy.Nobody,
	}}
	if _, err := e.Apply(ctxT(t), u); err == nil {
		t.Fatal("the cut update succeeded")
	}
	if acc := env.Account(t, phone); acc.Privacy["last"] != "none" || acc.Privacy["status"] != "none" || acc.Privacy["readreceipts"] != "all" {
		t.Fatalf("after the first cut: %v", acc.Privacy)
	}
	// Back online; the engine's read on connecting and recovery's own
	// read take ten privacy IQs, and the cut falls on the first of the
	// three changes back.
	env.SetFaults(t, emulator.Faults{CutAfterIQ: map[string]int{"privacy": 11}})
	reconnect(t, cli)
	deadline := time.Now().Add(emutest.Timeout)
	for env.Account(t, phone).Privacy["last"] != "all" {
		if time.Now().After(deadline) {
			t.Fatalf("recovery never began: %v", env.Account(t, phone).Privacy)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if acc := env.Account(t, phone); acc.Privacy["profile"] != "none" || acc.Privacy["status"] != "none" {
		t.Fatalf("the second cut did not stop recovery midway: %v", acc.Privacy)
	}
	if n, _ := j.Count(context.Background()); n != 1 {
		t.Fatalf("%d updates open after recovery was cut, want 1", n)
	}
	env.SetFaults(t, emulator.Faults{})
	for cli.IsConnected() {
		time.Sleep(10 * time.Millisecond)
	}
	r := resolved(t, cli, j, changes)
	assertSame(t, emulatorSnapshot(t, env), before)
	if r == nil || r.Result != engine.RecoveredUndone {
		t.Fatalf("recovery %+v", r)
	}
}
