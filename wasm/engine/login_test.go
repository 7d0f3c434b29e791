package engine_test

import (
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types/events"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
	"github.com/waprivacy/waprivacy/wasm/engine"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// loginTimes has the emulator drop a linked client's connection, whose
// engine watches its log, lets whatsmeow reconnect under faults, and
// returns when whatsmeow raised Connected and when the
// engine published its first snapshot of the new connection.
func loginTimes(t *testing.T, faults emulator.Faults) (connected, read time.Time, snap privacy.Snapshot, env *emutest.Env) {
	t.Helper()
	env, cli, e := followingPushes(t)
	connectedAt, dropped := make(chan time.Time, 1), make(chan struct{}, 1)
	cli.AddEventHandler(func(evt any) {
		switch evt.(type) {
		case *events.Connected:
			select {
			case connectedAt <- time.Now():
			default:
			}
		case *events.Disconnected:
			select {
			case dropped <- struct{}{}:
			default:
			}
		}
	})
	type reading struct {
		at   time.Time
		snap privacy.Snapshot
	}
	reads := make(chan reading, 4)
	defer e.Subscribe(func(c engine.Change) { reads <- reading{time.Now(), c.Snapshot} })()
	env.SetFaults(t, emulator.Faults{DropAfterMs: 1})
	select {
	case <-dropped:
	case <-time.After(emutest.Timeout):
		t.Fatal("the emulator never dropped the connection")
	}
	env.SetFaults(t, faults) // whatsmeow reconnects by itself
	deadline := time.After(emutest.Timeout)
	var r reading
	for connected.IsZero() || r.at.IsZero() {
		select {
		case connected = <-connectedAt:
		case r = <-reads:
		case <-deadline:
			t.Fatalf("after reconnecting: Connected at %v, snapshot at %v", connected, r.at)
		}
	}
	return connected, r.at, r.snap, env
}

// The snapshot is read as soon as the login succeeds: its round trip runs
// beside whatsmeow's prekey count and passive IQs, which Connected waits
// for, so it is known before Connected (by about two round trips).
func TestTheSnapshotIsReadAtLoginBeforeConnected(t *testing.T) {
	connected, read, snap, env := loginTimes(t, emulator.Faults{LatencyMs: 100})
	if !read.Before(connected) {
		t.Errorf("the snapshot came %v after Connected; it should be read at login, before it", read.Sub(connected))
	}
	if want := emulatorSnapshot(t, env); len(privacy.Diff(want, snap)) != 0 {
		t.Errorf("the snapshot read at login differs from the account: %v", privacy.Diff(want, snap))
	}
}

// If the server refuses the reads at login (no client is known to send
// them before <active/>), the read at Connected still brings the
// snapshot.
func TestAReadRefusedAtLoginIsMadeAgainAtConnected(t *testing.T) {
	// With latency, the read at Connected cannot come back before the
	// test's handler, which whatsmeow calls right after the engine's, has
	// seen Connected; without it, a preempted handler once saw Connected
	// 25 µs after the snapshot of that read.
	connected, read, snap, env := loginTimes(t, emulator.Faults{LatencyMs: 50, FailIQ: map[string]int{"privacy": 503}, FailIQCount: 1})
	if read.Before(connected) {
		t.Errorf("a snapshot was published %v before Connected, though the read at login was refused", connected.Sub(read))
	}
	if want := emulatorSnapshot(t, env); len(privacy.Diff(want, snap)) != 0 {
		t.Errorf("the snapshot read at Connected differs from the account: %v", privacy.Diff(want, snap))
	}
}
