// Package ui holds the app's go-app components, one per file. Components
// read state and emit actions; the handlers that do the I/O live with the
// program (cmd/app) and answer by setting state: the page's
// appstate.View under StateView, and each form's FormState under its own
// key, FormKey(form).
package ui

import (
	"github.com/waprivacy/waprivacy/wasm/privacy"
	"github.com/waprivacy/waprivacy/wasm/siteaccess"
)

// Actions components emit, with the value each carries.
const (
	ActionStart      = "app/start"          // nil: start the page's state, once
	ActionApply      = "privacy/apply"      // ApplyRequest
	ActionBlock      = "blocked/set"        // BlockRequest
	ActionPreset     = "presets/apply"      // PresetRequest
	ActionUndo       = "history/undo"       // UndoRequest
	ActionResolve    = "queue/resolve"      // ResolveRequest
	ActionDiscard    = "queue/discard"      // QueueRequest
	ActionRetryQueue = "queue/retry"        // QueueRequest
	ActionSelect     = "accounts/select"    // string: the account's key
	ActionLink       = "accounts/link"      // nil: link another account
	ActionUnlink     = "accounts/unlink"    // AccountRequest
	ActionForget     = "accounts/forget"    // string: a logged-out account's key
	ActionPairPhone  = "connect/pair-phone" // PairRequest
	ActionRetry      = "connect/retry"      // nil: reconnect now
	ActionSiteAccess = "sites/access"       // SiteRequest
)

// State keys.
const (
	// StateView holds the latest appstate.View.
	StateView = "app/view"
	// StateLang holds the chosen i18n.Lang, kept across visits.
	StateLang = "app/lang"
)

// FormKey is the state key of form's FormState.
func FormKey(form string) string { return "form/" + form }

// Phase is where a form's last submission stands; the zero Phase means
// nothing was submitted yet.
type Phase string

const (
	PhaseSaving Phase = "saving"
	PhaseDone   Phase = "done"   // WhatsApp confirmed it
	PhaseQueued Phase = "queued" // saved here, applied when back online
	PhaseFailed Phase = "failed"
)

// FormState is the result of a form's last submission.
type FormState struct {
	Phase Phase
	// Status is the engine's HTTP-like status of a failure.
	Status int
	// Detail is the engine's own words for a failure.
	Detail string
	// RolledBack is set when a failed update was undone entirely, so
	// nothing changed; RestoreFailed when undoing it failed too.
	RolledBack, RestoreFailed bool
	// Changes are what a successful submission changed.
	Changes []privacy.Change
	// Unconfirmed is set when the change was made but WhatsApp's
	// confirmation was lost.
	Unconfirmed bool
	// NotConfirmed is set on a failure where WhatsApp accepted the change
	// but a fresh read does not show it (engine.ResultUnconfirmed).
	NotConfirmed bool
	// Fields lists the invalid fields of a refused request (status 400),
	// e.g. "+5511… is not on WhatsApp".
	Fields []privacy.FieldError
	// Value is a form's answer, such as a pairing code.
	Value string
}

// ApplyRequest asks for an update of the current account.
type ApplyRequest struct {
	Form   string
	Update privacy.Update
}

// BlockRequest asks to block or unblock a phone.
type BlockRequest struct {
	Form    string
	Phone   string
	Blocked bool
}

// PresetRequest asks to apply a preset.
type PresetRequest struct {
	Form string
	ID   string
}

// UndoRequest asks to undo a history entry.
type UndoRequest struct {
	Form string
	ID   int64
}

// ResolveRequest settles a queued edit's conflict.
type ResolveRequest struct {
	Form     string
	ID       int64
	KeepMine bool
}

// QueueRequest names a queued edit.
type QueueRequest struct {
	Form string
	ID   int64
}

// AccountRequest names an account.
type AccountRequest struct {
	Form string
	Key  string
}

// PairRequest asks for a pairing code for phone.
type PairRequest struct {
	Form  string
	Phone string
}

// SiteRequest records the person's answer about what a site that embeds
// the widget may do with the account on screen; siteaccess.Undecided
// withdraws the answer, so the site is asked again.
type SiteRequest struct {
	Form   string
	Origin string
	Access siteaccess.Access
}
