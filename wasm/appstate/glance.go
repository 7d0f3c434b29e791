package appstate

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/waprivacy/waprivacy/wasm/privacy"
	"github.com/waprivacy/waprivacy/wasm/session"
)

// Glance is the little a reload shows before the local database opens:
// the account on screen and its last-known settings and default timer
// (not its lists, which the glance does not show). Opening SQLite in the
// browser takes the first 50-100 ms of a warm start, mostly compiling
// it, so the page keeps this copy outside it (the browser's localStorage)
// and shows it, marked as not yet confirmed and not editable, until the
// start is done. The database stays the record; the glance is rewritten
// from its views and removed once its account is no longer linked.
type Glance struct {
	Account string           `json:"account"`
	Phone   string           `json:"phone"`
	KnownAt time.Time        `json:"knownAt"`
	Privacy privacy.Snapshot `json:"privacy"`
}

// GlanceOf returns what v leaves for the next start: ok is false unless
// the start is done and the settings on screen are known, of a linked
// account that the next start shows first (Start shows the first account
// listed).
func GlanceOf(v View) (g Glance, ok bool) {
	if v.Phase != PhaseReady || !v.Linked() || !v.HasPrivacy || v.KnownAt.IsZero() ||
		len(v.Accounts) == 0 || v.Accounts[0].Account != v.Current.Account {
		return Glance{}, false
	}
	shown := privacy.Snapshot{Settings: maps.Clone(v.Privacy.Settings), DefaultTimer: v.Privacy.DefaultTimer}
	return Glance{Account: v.Current.Account, Phone: v.Current.Phone, KnownAt: v.KnownAt, Privacy: shown}, true
}

// Allowed reports whether g may still be shown at the next start, as of
// v: its account is still linked, or v is from before the start ended.
func (g Glance) Allowed(v View) bool {
	if v.Phase != PhaseReady {
		return true
	}
	for _, a := range v.Accounts {
		if a.Account == g.Account && a.Phone == g.Phone && a.State != session.StateLoggedOut {
			return true
		}
	}
	return false
}

// Same reports whether g and o show the same settings of the same account:
// the view's KnownAt moves with every snapshot it takes in, so equal times
// stand for equal settings without comparing them.
func (g Glance) Same(o Glance) bool {
	return g.Account == o.Account && g.Phone == o.Phone && g.KnownAt.Equal(o.KnownAt)
}

// Encode returns g as stored.
func (g Glance) Encode() ([]byte, error) { return json.Marshal(g) }

// ParseGlance reads a stored glance. Anything damaged or from another
// version of the app gives an error: the page then starts as it would
// without one.
func ParseGlance(data []byte) (Glance, error) {
	var g Glance
	if err := json.Unmarshal(data, &g); err != nil {
		return Glance{}, fmt.Errorf("the saved glance is damaged: %w", err)
	}
	switch {
	case g.Account == "" || !digits(g.Phone):
		return Glance{}, errors.New("the saved glance names no linked account")
	case g.KnownAt.IsZero():
		return Glance{}, errors.New("the saved glance does not say when its settings were known")
	case len(g.Privacy.Settings) == 0:
		return Glance{}, errors.New("the saved glance holds no settings")
	}
	for c, v := range g.Privacy.Settings {
		if !c.Allows(v) {
			return Glance{}, fmt.Errorf("the saved glance holds %q for %q, which this version does not know", v, c)
		}
	}
	return g, nil
}

// View is what the page shows from g while it starts: the account as
// connecting and its settings as last known, not live.
func (g Glance) View() View {
	current := session.Status{Account: g.Account, Phone: g.Phone, State: session.StateConnecting}
	return View{
		Phase:    PhaseStarting,
		Accounts: []session.Status{current},
		Current:  current,
		Privacy:  g.Privacy, HasPrivacy: true, KnownAt: g.KnownAt,
	}
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
