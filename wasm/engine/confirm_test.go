package engine_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
	"github.com/waprivacy/waprivacy/wasm/engine"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// readsPerSnapshot is how many IQs one snapshot sends: the settings, four
// except-lists, the timer and the blocklist.
const readsPerSnapshot = 7

func TestAReadThatMissesTheWriteIsRepeatedOnce(t *testing.T) {
	env, e := linked(t)
	if _, err := e.Snapshot(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	env.SetFaults(t, emulator.Faults{StaleReads: readsPerSnapshot})
	res, err := e.Apply(ctxT(t), privacy.Update{Settings: map[privacy.Category]privacy.Value{privacy.ReadReceipts: privacy.Nobody}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Outcomes) != 1 || res.Outcomes[0].Result != engine.ResultApplied || res.Snapshot.Settings[privacy.ReadReceipts] != privacy.Nobody {
		t.Fatalf("outcomes %+v, read receipts %s; want applied and confirmed by the second read", res.Outcomes, res.Snapshot.Settings[privacy.ReadReceipts])
	}
}

func TestAChangeNoReadShowsIsNotConfirmed(t *testing.T) {
	env, e := linked(t)
	if _, err := e.Snapshot(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	env.SetFaults(t, emulator.Faults{StaleReads: 2 * readsPerSnapshot})
	res, err := e.Apply(ctxT(t), privacy.Update{Settings: map[privacy.Category]privacy.Value{privacy.LastSeen: privacy.Nobody}})
	var ee *engine.Error
	if !errors.As(err, &ee) || ee.Status != engine.StatusUnconfirmed {
		t.Fatalf("err = %v, want not confirmed", err)
	}
	if len(res.Outcomes) != 1 || res.Outcomes[0].Result != engine.ResultUnconfirmed {
		t.Errorf("outcomes %+v, want last not-confirmed", res.Outcomes)
	}
	// The snapshot is what was read, not what was asked for.
	if res.Snapshot.Settings[privacy.LastSeen] == privacy.Nobody {
		t.Error("the result claims a value no read showed")
	}

	env.SetFaults(t, emulator.Faults{StaleReads: 2 * readsPerSnapshot})
	snap, err := e.SetBlocked(ctxT(t), "5511922223333", true)
	if !errors.As(err, &ee) || ee.Status != engine.StatusUnconfirmed || slices.Contains(snap.Blocked, "5511922223333") {
		t.Fatalf("block with stale reads: %v, blocked %v; want not confirmed", err, snap.Blocked)
	}
}
