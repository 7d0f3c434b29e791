package appstate

import (
	"time"

	"github.com/waprivacy/waprivacy/wasm/engine"
	"github.com/waprivacy/waprivacy/wasm/history"
	"github.com/waprivacy/waprivacy/wasm/outbox"
	"github.com/waprivacy/waprivacy/wasm/privacy"
	"github.com/waprivacy/waprivacy/wasm/session"
	"github.com/waprivacy/waprivacy/wasm/siteaccess"
)

// Phase is how far the page's start has got.
type Phase string

const (
	PhaseStarting Phase = "starting"  // opening the local database
	PhaseReady    Phase = "ready"     // accounts are running
	PhaseOtherTab Phase = "other-tab" // another tab has the session open
	PhaseFailed   Phase = "failed"    // the local database cannot be opened
)

// View is everything the page shows, at one moment. Views are published
// whole and never changed afterwards, so components may keep them.
type View struct {
	Phase Phase
	// Problem says what went wrong: why the start failed, or that the
	// browser's storage is full.
	Problem string
	// StorageFull is set once the browser refused to save for lack of
	// space.
	StorageFull bool

	// Accounts lists every account, linked ones first.
	Accounts []session.Status
	// Current is the status of the account on screen; its Account is
	// empty before there is one.
	Current session.Status

	// Privacy is what is known of the current account's settings, if
	// HasPrivacy; Live says it was read from WhatsApp since the page
	// opened (else it is the last-known copy from the local database),
	// and KnownAt when it was.
	Privacy    privacy.Snapshot
	HasPrivacy bool
	Live       bool
	KnownAt    time.Time

	// Queue lists the current account's edits waiting for a connection
	// or for the person to settle a conflict.
	Queue []Queued
	// History is the current account's latest changes, newest first.
	History []history.Entry
	// Notice is the latest change made on the phone while the page was
	// open, or the latest interrupted update resolved, if any.
	Notice *Notice

	// Sites lists what the person decided about the sites that embed the
	// widget, for the current account, by origin.
	Sites []siteaccess.Grant
	// Host is the origin of the site this page is embedded in, once it
	// greeted the widget; empty for the app's own page.
	Host string
}

// HostAccess is what the person let Host do with the current account.
func (v View) HostAccess() siteaccess.Access {
	return v.SiteAccess(v.Host)
}

// SiteAccess is what the person let origin do with the current account;
// nothing before the account is linked.
func (v View) SiteAccess(origin string) siteaccess.Access {
	if origin == "" || !v.Linked() {
		return siteaccess.Undecided
	}
	for _, g := range v.Sites {
		if g.Origin == origin {
			return g.Access
		}
	}
	return siteaccess.Undecided
}

// Linked reports whether the current account is linked, i.e. has a phone
// number and was not logged out, whether or not it is connected now.
func (v View) Linked() bool {
	return v.Current.Phone != "" && v.Current.State != session.StateLoggedOut
}

// Connected reports whether the current account is connected now.
func (v View) Connected() bool { return v.Current.State == session.StateConnected }

// Queued is an edit made offline.
type Queued struct {
	outbox.Edit
	// Wanted is what it changes.
	Wanted []privacy.Change
	// Conflicts lists the values the phone changed meanwhile (Before is
	// the phone's value, After the edit's), when State is
	// outbox.Conflict.
	Conflicts []privacy.Change
}

// Notice is a change made on the phone, or how an interrupted update was
// resolved.
type Notice struct {
	// ID is the phone change's history entry, or minus the interrupted
	// update's journal record.
	ID      int64
	At      time.Time
	Changes []privacy.Change
	// Recovery is set for an interrupted update: what became of each of
	// its parts.
	Recovery *engine.Recovery
}

// PendingFor returns the queued value of a setting or timer field, if an
// edit waiting to be applied sets it.
func (v View) PendingFor(f privacy.Field) (string, bool) {
	value, found := "", false
	for _, q := range v.Queue {
		for _, ch := range q.Wanted {
			if ch.Field == f && !f.IsList() {
				value, found = ch.After, true
			}
		}
	}
	return value, found
}
