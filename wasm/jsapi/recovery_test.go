package jsapi

import (
	"encoding/json"
	"testing"

	"github.com/waprivacy/waprivacy/wasm/engine"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

func TestARecoveryEventSaysWhatBecameOfEachField(t *testing.T) {
	snap := privacy.Snapshot{Settings: map[privacy.Category]privacy.Value{privacy.LastSeen: privacy.Contacts}}
	got, err := json.Marshal(privacyEvent("5511988887777", engine.Change{Snapshot: snap, Source: engine.FromRecovery,
		Recovery: &engine.Recovery{Result: engine.RecoveredUndone, Intent: engine.Intent{Source: "api"}, Parts: []engine.Outcome{
			{Field: "last", Result: engine.ResultPhoneChanged, Message: "left"}, {Field: "profile", Result: engine.ResultRestored}}}}))
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Source   string
		Recovery struct {
			Result, UpdateSource string
			Fields               []engine.Outcome
		}
	}
	json.Unmarshal(got, &e)
	if e.Source != "recovery" || e.Recovery.Result != "undone" || e.Recovery.UpdateSource != "api" || len(e.Recovery.Fields) != 2 ||
		e.Recovery.Fields[0].Result != "phone-changed" {
		t.Errorf("event %s", got)
	}
	plain, _ := json.Marshal(privacyEvent("5511988887777", engine.Change{Snapshot: snap, Source: engine.FromPhone}))
	var p map[string]any
	json.Unmarshal(plain, &p)
	if _, ok := p["recovery"]; ok {
		t.Errorf("a phone change carries a recovery: %s", plain)
	}
}
