package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/i18n"
	"github.com/waprivacy/waprivacy/wasm/presets"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// PresetsSection offers the one-click privacy profiles.
type PresetsSection struct {
	app.Compo
	Lang       i18n.Lang
	Snapshot   privacy.Snapshot
	HasPrivacy bool
}

func (s *PresetsSection) Render() app.UI {
	l := s.Lang
	return app.Section().ID("presets").Aria("labelledby", "presets-title").Body(
		app.H1().ID("presets-title").Text(l.T("presets.title")),
		app.P().Class("lede").Text(l.T("presets.intro")),
		app.Div().Class("forms").Body(
			app.Range(presets.All()).Slice(func(i int) app.UI {
				return &PresetCard{Lang: l, Preset: presets.All()[i].ID, Snapshot: s.Snapshot, HasPrivacy: s.HasPrivacy}
			}),
		),
	)
}
