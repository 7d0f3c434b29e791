package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/api"
	"github.com/waprivacy/waprivacy/wasm/i18n"
	"github.com/waprivacy/waprivacy/wasm/presets"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// PresetCard previews what one preset would change and applies it, all
// or nothing.
type PresetCard struct {
	app.Compo
	Lang       i18n.Lang
	Preset     string
	Snapshot   privacy.Snapshot
	HasPrivacy bool
	result     FormState
}

func (c *PresetCard) id() string { return "preset-" + c.Preset }

func (c *PresetCard) OnMount(ctx app.Context) {
	ctx.ObserveState(FormKey(c.id()), &c.result)
}

func (c *PresetCard) Render() app.UI {
	l := c.Lang
	p, _ := presets.ByID(c.Preset)
	preview := p.Update.Preview(c.Snapshot)
	req, ok := api.Equivalent(p.Update)
	saving := c.result.Phase == PhaseSaving
	var items []app.UI
	for _, ch := range preview {
		items = append(items, app.Li().Text(l.DescribeWith(ch, c.Snapshot.Label)))
	}
	return app.Article().ID(c.id()).Class("card preset").Aria("labelledby", c.id()+"-title").Body(
		app.H2().ID(c.id()+"-title").Text(l.T("preset."+c.Preset)),
		app.P().Class("hint").Text(l.T("preset."+c.Preset+".hint")),
		app.H3().Text(l.T("presets.preview")),
		app.If(!c.HasPrivacy, func() app.UI { return app.P().Class("hint").Text(l.T("privacy.loading")) }).
			ElseIf(len(items) == 0, func() app.UI { return app.P().Class("hint preview-empty").Text(l.T("presets.nothing")) }).
			Else(func() app.UI { return app.Ul().Class("changes preview").Body(items...) }),
		app.Div().Class("actions").Body(
			app.Button().Type("button").Class("button").Disabled(saving || !c.HasPrivacy || len(items) == 0).
				Aria("busy", saving).Text(l.T("presets.apply")).OnClick(c.apply),
		),
		&FormResult{Lang: l, State: c.result, Contacts: c.Snapshot.Contacts},
		&RequestView{Lang: l, ID: c.id() + "-request", Request: req, OK: ok},
	)
}

func (c *PresetCard) apply(ctx app.Context, e app.Event) {
	ctx.SetState(FormKey(c.id()), FormState{Phase: PhaseSaving})
	ctx.NewActionWithValue(ActionPreset, PresetRequest{Form: c.id(), ID: c.Preset})
}
