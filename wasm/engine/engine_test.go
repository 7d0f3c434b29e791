package engine_test

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
	"github.com/waprivacy/waprivacy/wasm/engine"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

const phone = "5511988887777"

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), emutest.Timeout)
	t.Cleanup(cancel)
	return ctx
}

func linked(t testing.TB) (*emutest.Env, *engine.Engine) {
	t.Helper()
	env := emutest.Start(t)
	return env, engine.New(env.LinkedClient(t, phone), engine.Options{})
}

// followingPushes links a client whose engine watches its log (PushLog),
// and reads once.
func followingPushes(t testing.TB) (*emutest.Env, *whatsmeow.Client, *engine.Engine) {
	t.Helper()
	env := emutest.Start(t)
	pushes := engine.NewPushLog(nil)
	cli := env.NewClientWithLog(t, pushes)
	env.Link(t, cli, phone)
	e := engine.New(cli, engine.Options{Pushes: pushes})
	if _, err := e.Snapshot(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	return env, cli, e
}

// emulatorSnapshot is the account as the emulator holds it, in the
// engine's model, so every assertion checks WhatsApp's side of the truth.
func emulatorSnapshot(t *testing.T, env *emutest.Env) privacy.Snapshot {
	t.Helper()
	acc := env.Account(t, phone)
	s := privacy.Snapshot{
		Settings:     map[privacy.Category]privacy.Value{},
		Except:       map[privacy.Category][]string{},
		DefaultTimer: privacy.Timer(acc.DefaultDisappearingSeconds),
		Blocked:      slices.Sorted(slices.Values(acc.Blocklist)),
	}
	for c, v := range acc.Privacy {
		s.Settings[privacy.Category(c)] = privacy.Value(v)
	}
	for c, list := range acc.Disallowed {
		s.Except[privacy.Category(c)] = slices.Sorted(slices.Values(list))
	}
	return s
}

func assertSame(t *testing.T, got, want privacy.Snapshot) {
	t.Helper()
	if !maps.Equal(got.Settings, want.Settings) {
		t.Errorf("settings %v, want %v", got.Settings, want.Settings)
	}
	for _, c := range privacy.ExceptListCategories() {
		if !slices.Equal(got.Except[c], want.Except[c]) {
			t.Errorf("%s exceptions %v, want %v", c, got.Except[c], want.Except[c])
		}
	}
	if got.DefaultTimer != want.DefaultTimer {
		t.Errorf("timer %d, want %d", got.DefaultTimer, want.DefaultTimer)
	}
	if !slices.Equal(got.Blocked, want.Blocked) {
		t.Errorf("blocked %v, want %v", got.Blocked, want.Blocked)
	}
}

func TestSnapshotReadsEverything(t *testing.T) {
	env, e := linked(t)
	snap, err := e.Snapshot(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Settings) != len(privacy.Categories()) {
		t.Errorf("snapshot has %d categories, want all %d: %v", len(snap.Settings), len(privacy.Categories()), snap.Settings)
	}
	assertSame(t, snap, emulatorSnapshot(t, env))
}

func TestApplyEveryCategoryAndValue(t *testing.T) {
	env, e := linked(t)
	for _, c := range privacy.Categories() {
		if c.ReadOnly() {
			continue // TestReadOnlyCategoriesAreShownNotSent
		}
		for _, v := range c.Values() {
			res, err := e.Apply(ctxT(t), privacy.Update{Settings: map[privacy.Category]privacy.Value{c: v}})
			if err != nil {
				t.Fatalf("%s=%s: %v", c, v, err)
			}
			if got := res.Snapshot.Settings[c]; got != v {
				t.Errorf("%s=%s: confirmed snapshot says %s", c, v, got)
			}
			if got := env.Account(t, phone).Privacy[string(c)]; got != string(v) {
				t.Errorf("%s=%s: the emulator has %s", c, v, got)
			}
		}
	}
}

func TestApplySevenFieldsAtOnceAndSkipsUnchanged(t *testing.T) {
	env, e := linked(t)
	timer := privacy.Timer7Days
	u := privacy.Update{
		Settings: map[privacy.Category]privacy.Value{
			privacy.LastSeen: privacy.Nobody, privacy.Online: privacy.MatchLastSeen, privacy.Profile: privacy.Contacts,
			privacy.About: privacy.Contacts, privacy.ReadReceipts: privacy.Nobody, privacy.GroupAdd: privacy.Contacts,
			privacy.CallAdd: privacy.Known,
		},
		Timer: &timer,
	}
	res, err := e.Apply(ctxT(t), u)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range res.Outcomes {
		if o.Result != engine.ResultApplied {
			t.Errorf("%s: %s", o.Field, o.Result)
		}
	}
	assertSame(t, res.Snapshot, emulatorSnapshot(t, env))

	// The same request again sends nothing and says so.
	res, err = e.Apply(ctxT(t), u)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Outcomes) != 8 {
		t.Fatalf("%d outcomes, want 8", len(res.Outcomes))
	}
	for _, o := range res.Outcomes {
		if o.Result != engine.ResultUnchanged {
			t.Errorf("repeat: %s %s, want unchanged", o.Field, o.Result)
		}
	}
}

func TestExceptListsWithDeltas(t *testing.T) {
	env, e := linked(t)
	add := privacy.Update{Except: map[privacy.Category]privacy.ExceptDelta{
		privacy.LastSeen: {Add: []string{"5511911112222", "5511933334444"}},
		privacy.GroupAdd: {Add: []string{"5511955556666"}},
	}}
	res, err := e.Apply(ctxT(t), add)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Snapshot.Settings[privacy.LastSeen]; got != privacy.ContactBlacklist {
		t.Errorf("editing the list must select contact_blacklist, got %s", got)
	}
	// Then remove one, and add one already there: only the removal is sent.
	res, err = e.Apply(ctxT(t), privacy.Update{Except: map[privacy.Category]privacy.ExceptDelta{
		privacy.LastSeen: {Add: []string{"5511933334444"}, Remove: []string{"5511911112222"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"5511933334444"}; !slices.Equal(res.Snapshot.Except[privacy.LastSeen], want) {
		t.Errorf("last-seen exceptions %v, want %v", res.Snapshot.Except[privacy.LastSeen], want)
	}
	assertSame(t, res.Snapshot, emulatorSnapshot(t, env))
}

func TestStaleListIsRetriedOnce(t *testing.T) {
	env, e := linked(t)
	if _, err := e.Snapshot(ctxT(t)); err != nil { // caches the list hash
		t.Fatal(err)
	}
	// With a one-way delay, the phone's edit reaches the server at once but
	// its push reaches the engine only later, after the engine has sent its
	// own edit with the hash it cached: WhatsApp answers 409, and the
	// engine must re-read the list and retry.
	env.SetFaults(t, emulator.Faults{LatencyMs: 150})
	env.Control(t, http.MethodPost, "/control/accounts/"+phone+"/disallowed/profile",
		map[string][]string{"add": {"5511900001111"}}, http.StatusOK, nil)
	res, err := e.Apply(ctxT(t), privacy.Update{Except: map[privacy.Category]privacy.ExceptDelta{
		privacy.Profile: {Add: []string{"5511900002222"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"5511900001111", "5511900002222"}
	if got := env.Account(t, phone).Disallowed["profile"]; !slices.Equal(slices.Sorted(slices.Values(got)), want) {
		t.Errorf("emulator's profile exceptions %v, want %v", got, want)
	}
	if !slices.Equal(res.Snapshot.Except[privacy.Profile], want) {
		t.Errorf("confirmed exceptions %v, want %v", res.Snapshot.Except[privacy.Profile], want)
	}
}

func TestStaleListTwiceIsAConflict(t *testing.T) {
	env, e := linked(t)
	if _, err := e.Snapshot(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	// Every privacy set is refused as stale: the retry fails too, and the
	// person is told to reload.
	env.SetFaults(t, emulator.Faults{FailIQ: map[string]int{"privacy": 409}})
	_, err := e.Apply(ctxT(t), privacy.Update{Except: map[privacy.Category]privacy.ExceptDelta{
		privacy.Profile: {Add: []string{"5511900002222"}},
	}})
	var ee *engine.Error
	if !errors.As(err, &ee) || ee.Status != engine.StatusConflict {
		t.Fatalf("want a 409, got %v", err)
	}
}

func TestPartialFailureRollsBack(t *testing.T) {
	env, e := linked(t)
	before, err := e.Snapshot(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	// The first three privacy IQs succeed, the next one fails, the rest
	// (the rollback) succeed: a partial, transient failure.
	env.SetFaults(t, emulator.Faults{FailIQ: map[string]int{"privacy": 500}, FailIQAfter: 3, FailIQCount: 1})
	_, err = e.Apply(ctxT(t), privacy.Update{Settings: map[privacy.Category]privacy.Value{
		privacy.LastSeen: privacy.Nobody, privacy.Profile: privacy.Nobody, privacy.About: privacy.Nobody,
		privacy.ReadReceipts: privacy.Nobody, privacy.CallAdd: privacy.Known,
	}})
	var ee *engine.Error
	if !errors.As(err, &ee) || ee.Status != engine.StatusWhatsAppError {
		t.Fatalf("want a 502 engine error, got %v", err)
	}
	results := map[string]int{}
	for _, o := range ee.Outcomes {
		results[o.Result]++
	}
	if results[engine.ResultFailed] != 1 || results[engine.ResultRestored] != 4 {
		t.Errorf("outcomes %+v: want 1 failed and 4 restored", ee.Outcomes)
	}
	assertSame(t, emulatorSnapshot(t, env), before)
}

func TestRollbackFailureIsReported(t *testing.T) {
	env, e := linked(t)
	if _, err := e.Snapshot(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	// Two sets succeed, then every privacy IQ fails: the set, the undo and
	// the re-read.
	env.SetFaults(t, emulator.Faults{FailIQ: map[string]int{"privacy": 500}, FailIQAfter: 2})
	_, err := e.Apply(ctxT(t), privacy.Update{Settings: map[privacy.Category]privacy.Value{
		privacy.LastSeen: privacy.Nobody, privacy.Profile: privacy.Nobody, privacy.About: privacy.Nobody,
	}})
	var ee *engine.Error
	if !errors.As(err, &ee) || ee.Status != engine.StatusRestoreFailure {
		t.Fatalf("want a restore failure, got %v", err)
	}
	if !slices.ContainsFunc(ee.Outcomes, func(o engine.Outcome) bool { return o.Result == engine.ResultRestoreFailed }) {
		t.Errorf("outcomes %+v name no restore failure", ee.Outcomes)
	}
}

func TestInvalidUpdatesSendNothing(t *testing.T) {
	env, e := linked(t)
	before := emulatorSnapshot(t, env)
	bad := privacy.Timer(42)
	_, err := e.Apply(ctxT(t), privacy.Update{
		Settings: map[privacy.Category]privacy.Value{privacy.Online: privacy.Nobody, "bogus": privacy.All, privacy.LastSeen: privacy.All},
		Except:   map[privacy.Category]privacy.ExceptDelta{privacy.Online: {Add: []string{"5511900001111"}}},
		Timer:    &bad,
	})
	var ee *engine.Error
	if !errors.As(err, &ee) || ee.Status != engine.StatusInvalid {
		t.Fatalf("want a 400, got %v", err)
	}
	if len(ee.Fields) != 4 {
		t.Errorf("want every invalid field reported (4), got %+v", ee.Fields)
	}
	assertSame(t, emulatorSnapshot(t, env), before)
}

func TestBlockAndUnblock(t *testing.T) {
	env, e := linked(t)
	snap, err := e.SetBlocked(ctxT(t), "+55 11 91234-5678", true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(snap.Blocked, []string{"5511912345678"}) {
		t.Errorf("blocked %v", snap.Blocked)
	}
	assertSame(t, snap, emulatorSnapshot(t, env))
	if snap, err = e.SetBlocked(ctxT(t), "5511912345678", false); err != nil {
		t.Fatal(err)
	}
	if len(snap.Blocked) != 0 || len(env.Account(t, phone).Blocklist) != 0 {
		t.Errorf("still blocked: %v", snap.Blocked)
	}
	if _, err := e.SetBlocked(ctxT(t), "not a phone", true); err == nil {
		t.Error("blocking an invalid phone succeeded")
	}
}

func TestPhoneChangesArriveLive(t *testing.T) {
	env, e := linked(t)
	if _, err := e.Snapshot(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	changes := make(chan engine.Change, 8)
	defer e.Subscribe(func(c engine.Change) { changes <- c })()
	env.Control(t, http.MethodPost, "/control/accounts/"+phone+"/privacy", map[string]string{"profile": "none"}, http.StatusOK, nil)
	select {
	case c := <-changes:
		if c.Source != engine.FromPhone || c.Snapshot.Settings[privacy.Profile] != privacy.Nobody || c.Before.Settings[privacy.Profile] != privacy.All {
			t.Errorf("change %+v, want profile all → none from the phone", c)
		}
	case <-time.After(emutest.Timeout):
		t.Fatal("the phone's change never arrived")
	}
}

func TestNotConnected(t *testing.T) {
	env, e := linked(t)
	_ = env
	// Unlinking from the phone logs the client out.
	acc := env.Account(t, phone)
	env.Control(t, http.MethodPost, "/control/accounts/"+phone+"/unlink", map[string]string{"jid": acc.Devices[0]}, http.StatusOK, nil)
	deadline := time.Now().Add(emutest.Timeout)
	for {
		_, err := e.Refresh(ctxT(t))
		var ee *engine.Error
		if errors.As(err, &ee) && ee.Status == engine.StatusNotConnected {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after unlinking, Refresh returned %v, want 503", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTimeout(t *testing.T) {
	env := emutest.Start(t)
	e := engine.New(env.LinkedClient(t, phone), engine.Options{Timeout: 150 * time.Millisecond})
	env.SetFaults(t, emulator.Faults{LatencyMs: 200})
	_, err := e.Refresh(ctxT(t))
	var ee *engine.Error
	if !errors.As(err, &ee) || ee.Status != engine.StatusTimeout {
		t.Fatalf("want a 504 when WhatsApp is slower than the timeout, got %v", err)
	}
}

// TestReadAfterReconnectingIsPublished: once the connection drops, the
// cached snapshot no longer counts (pushes from the phone were missed),
// and the read after reconnecting is published as a first read, though
// nothing changed: subscribers apply what waited for the connection.
func TestReadAfterReconnectingIsPublished(t *testing.T) {
	env := emutest.Start(t)
	cli := env.LinkedClient(t, phone)
	e := engine.New(cli, engine.Options{})
	if _, err := e.Snapshot(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	changes := make(chan engine.Change, 8)
	defer e.Subscribe(func(c engine.Change) { changes <- c })()
	// Added after the engine's handler, so it runs after it.
	cachedAfterDrop := make(chan bool, 1)
	cli.AddEventHandler(func(evt any) {
		if _, ok := evt.(*events.Disconnected); ok {
			_, cached := e.Cached()
			select {
			case cachedAfterDrop <- cached:
			default:
			}
		}
	})
	env.SetFaults(t, emulator.Faults{DropAfterMs: 1})
	select {
	case cached := <-cachedAfterDrop:
		if cached {
			t.Error("the snapshot read before the connection dropped is still served as current")
		}
	case <-time.After(emutest.Timeout):
		t.Fatal("the connection never dropped")
	}
	env.SetFaults(t, emulator.Faults{})
	select {
	case c := <-changes:
		if c.Before.Settings != nil || c.Source != engine.FromPhone {
			t.Errorf("after reconnecting the engine published %+v, want a first read from the phone", c)
		}
		assertSame(t, c.Snapshot, emulatorSnapshot(t, env))
	case <-time.After(emutest.Timeout):
		t.Fatal("nothing was published after reconnecting")
	}
}
