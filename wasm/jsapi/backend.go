package jsapi

import (
	"context"
	"slices"

	"github.com/waprivacy/waprivacy/wasm/api"
	"github.com/waprivacy/waprivacy/wasm/engine"
	"github.com/waprivacy/waprivacy/wasm/privacy"
	"github.com/waprivacy/waprivacy/wasm/session"
)

// accounts is the Backend of a page's session manager: it answers for the
// account on screen, which current names.
type accounts struct {
	manager *session.Manager
	current func() string
	api     *api.API
}

// NewBackend answers JavaScript for the account of m that current names.
func NewBackend(m *session.Manager, current func() string) Backend {
	return &accounts{
		manager: m,
		current: current,
		api:     api.New(func() *engine.Engine { return m.Engine(current()) }),
	}
}

func (a *accounts) Do(ctx context.Context, req api.Request) api.Response {
	return a.api.Do(ctx, req)
}

// StatusEvent is what status() returns and "connection" events carry.
type StatusEvent struct {
	Account     string `json:"account,omitempty"`
	State       string `json:"state"`
	Phone       string `json:"phone,omitempty"`
	QRCode      string `json:"qrCode,omitempty"`
	PairingCode string `json:"pairingCode,omitempty"`
	Detail      string `json:"detail,omitempty"`
	// Access is, in the widget only, what the person let the host page
	// do: "read" or "change".
	Access string `json:"access,omitempty"`
}

// stateNoAccount is the state before any account exists.
const stateNoAccount = "no-account"

func statusEvent(s session.Status) StatusEvent {
	return StatusEvent{Account: s.Account, State: string(s.State), Phone: s.Phone,
		QRCode: s.QRCode, PairingCode: s.PairingCode, Detail: s.Detail}
}

func (a *accounts) Status() StatusEvent {
	key := a.current()
	i := slices.IndexFunc(a.manager.Accounts(), func(s session.Status) bool { return s.Account == key })
	if i < 0 {
		return StatusEvent{State: stateNoAccount}
	}
	return statusEvent(a.manager.Accounts()[i])
}

// PrivacyEvent is what "privacy" events carry: the whole new snapshot, in
// RyzeAPI's shape plus what RyzeAPI lacks.
type PrivacyEvent struct {
	Account  string                       `json:"account"`
	Source   string                       `json:"source"` // "app", "phone" or "recovery"
	Settings map[string]map[string]string `json:"settings"`
	// Messages is "Messages from unknown accounts", which RyzeAPI lacks,
	// when the account reports it.
	Messages string `json:"messages,omitempty"`
	// Defense (strict account settings) and Stickers, which RyzeAPI lacks
	// too, when the account reports them; only the phone can change them.
	Defense             string              `json:"defense,omitempty"`
	Stickers            string              `json:"stickers,omitempty"`
	DefaultTimerSeconds int                 `json:"defaultTimerSeconds"`
	DisallowedContacts  map[string][]string `json:"disallowedContacts"` // by Z-API list type
	Blocked             []string            `json:"blocked"`
	// Contacts names the list entries WhatsApp told more about, by entry:
	// above all those without a number ("<digits>@lid").
	Contacts map[string]privacy.Contact `json:"contacts,omitempty"`
	// Recovery says, on an event whose source is "recovery", how an
	// interrupted update was resolved, field by field.
	Recovery *RecoveryEvent `json:"recovery,omitempty"`
}

// RecoveryEvent is how an interrupted update was resolved: result
// "undone", "applied" or "unchanged", and each field's fate ("restored",
// "applied", "unchanged", or "phone-changed": left as the phone set it).
type RecoveryEvent struct {
	Result string           `json:"result"`
	Source string           `json:"updateSource"` // where the update came from: "form", "api", …
	Fields []engine.Outcome `json:"fields"`
}

func privacyEvent(account string, c engine.Change) PrivacyEvent {
	s := c.Snapshot
	e := PrivacyEvent{
		Account: account, Source: string(c.Source), Settings: api.RyzeSettings(s),
		Messages: string(s.Settings[privacy.Messages]), Defense: string(s.Settings[privacy.Defense]),
		Stickers: string(s.Settings[privacy.Stickers]), DefaultTimerSeconds: int(s.DefaultTimer),
		DisallowedContacts: map[string][]string{}, Blocked: s.Blocked, Contacts: s.Contacts,
	}
	for _, f := range privacy.ZAPIFields() {
		if f.ListType != "" {
			e.DisallowedContacts[f.ListType] = s.Except[f.Category]
		}
	}
	if r := c.Recovery; r != nil {
		e.Recovery = &RecoveryEvent{Result: r.Result, Source: r.Intent.Source, Fields: r.Parts}
	}
	return e
}

func (a *accounts) Subscribe(fn func(event string, data any)) (cancel func()) {
	offStatus := a.manager.Subscribe(func(s session.Status) {
		if key := a.current(); s.Account == key || s.Was == key {
			fn(EventConnection, statusEvent(s))
		}
	})
	offPrivacy := a.manager.SubscribePrivacy(func(account string, c engine.Change) {
		if account == a.current() {
			fn(EventPrivacy, privacyEvent(account, c))
		}
	})
	return func() { offStatus(); offPrivacy() }
}
