package presets

import (
	"testing"

	"github.com/waprivacy/waprivacy/wasm/privacy"
)

func TestPresetsAreValidRyzeAPIRequests(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range All() {
		if seen[p.ID] {
			t.Errorf("preset %s listed twice", p.ID)
		}
		seen[p.ID] = true
		if err := p.Update.Validate(); err != nil {
			t.Errorf("preset %s: %v", p.ID, err)
		}
		// Every field of RyzeAPI's object, and nothing it lacks.
		for _, f := range privacy.RyzeFields() {
			if p.Update.Settings[f.Category] == "" {
				t.Errorf("preset %s leaves out %s.%s", p.ID, f.Section, f.Name)
			}
		}
		if len(p.Update.Settings) != len(privacy.RyzeFields()) || p.Update.Timer != nil || len(p.Update.Except) > 0 {
			t.Errorf("preset %s sets more than RyzeAPI's fields: %+v", p.ID, p.Update)
		}
	}
	p, ok := ByID(FullyRestrictive)
	if !ok || p.Update.Settings[privacy.LastSeen] != privacy.Nobody || p.Update.Settings[privacy.About] != privacy.Contacts {
		t.Errorf("fully restrictive is not RyzeAPI's example: %+v", p.Update.Settings)
	}
	if _, ok := ByID("bogus"); ok {
		t.Error("an unknown preset was found")
	}
}
