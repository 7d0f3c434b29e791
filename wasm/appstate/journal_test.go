package appstate_test

import (
	"errors"
	"testing"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
	"github.com/waprivacy/waprivacy/wasm/appstate"
	"github.com/waprivacy/waprivacy/wasm/engine"
	"github.com/waprivacy/waprivacy/wasm/history"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// The page closes while an update is half done and the connection is
// gone: the next page resolves it, says so, and logs what it undid.
func TestAnUpdateCutShortByAClosedPageIsUndoneByTheNext(t *testing.T) {
	env := emutest.Start(t)
	n := &network{addr: env.Addr()}
	store := newStore()
	p := link(t, env, n, store)
	before := emulatorPrivacy(t, env)

	env.SetFaults(t, emulator.Faults{CutAfterIQ: map[string]int{"privacy": 2}, OfflineAfterCut: true})
	_, err := p.core.Apply(ctxT(t), privacy.Update{Settings: map[privacy.Category]privacy.Value{
		privacy.LastSeen: privacy.Nobody, privacy.Profile: privacy.Nobody, privacy.About: privacy.Nobody,
	}})
	var ee *engine.Error
	if !errors.As(err, &ee) || !ee.Recovering {
		t.Fatalf("the cut update answered %v, want an error saying it is being recovered", err)
	}
	if got := emulatorPrivacy(t, env); got["last"] != "none" || got["profile"] != "none" || got["status"] == "none" {
		t.Fatalf("after the cut the account has %v: the cut did not fall mid-update", got)
	}
	p.core.Close()

	env.SetFaults(t, emulator.Faults{})
	p = open(t, n, store)
	v := p.until(t, "the recovery notice", func(v appstate.View) bool { return v.Notice != nil && v.Notice.Recovery != nil })
	if r := v.Notice.Recovery; r.Result != engine.RecoveredUndone || r.Intent.Source != "form" || len(v.Notice.Changes) != 2 {
		t.Errorf("notice %+v, recovery %+v", v.Notice, r)
	}
	if got := emulatorPrivacy(t, env); got["last"] != before["last"] || got["profile"] != before["profile"] || got["status"] != before["status"] {
		t.Errorf("after recovery the account has %v, want %v", got, before)
	}
	v = p.until(t, "the recovery in the history", func(v appstate.View) bool {
		return len(v.History) > 0 && v.History[0].Source == history.FromRecovery
	})
	if len(v.History[0].Changes) != 2 {
		t.Errorf("history entry %+v", v.History[0])
	}
	if d, err := p.core.Diagnostics(ctxT(t)); err != nil || d.Integrity != "ok" || d.OpenUpdates != 0 {
		t.Errorf("diagnostics %+v (%v), want integrity ok and no update open", d, err)
	}
}

func emulatorPrivacy(t *testing.T, env *emutest.Env) map[string]string {
	t.Helper()
	return env.Account(t, phone).Privacy
}
