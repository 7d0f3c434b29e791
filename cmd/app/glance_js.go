//go:build js

package main

import (
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/appstate"
	"github.com/waprivacy/waprivacy/wasm/jscatch"
)

// glanceKey names the page's appstate.Glance in localStorage, which the
// page reads synchronously before its database opens.
const glanceKey = "waprivacy-glance"

// glanceKeeper rewrites the stored glance from the page's views.
type glanceKeeper struct {
	mu sync.Mutex
	// stored is the glance in localStorage, if any.
	stored *appstate.Glance
	// next is the glance to write when the timer fires. localStorage
	// writes block the main thread (1.7 ms each here), and the views
	// that bring newer settings come right after an update's answer,
	// when the page re-renders; so the write waits for a quieter moment.
	// A tab closed meanwhile leaves the previous glance, which says when
	// its settings were known and is replaced once the database is open.
	next  *appstate.Glance
	timer *time.Timer
}

// glanceDelay is how long a newer glance waits to be written.
const glanceDelay = time.Second

// loadGlance returns the glance the last start left, if there is one the
// page can show. A damaged one is removed and logged: the page starts as
// it would without it.
func loadGlance() (appstate.Glance, bool) {
	storage, ok := localStorage()
	if !ok {
		return appstate.Glance{}, false
	}
	var data string
	if err := jscatch.Do(func() {
		if v := storage.Call("getItem", glanceKey); v.Type() == app.TypeString {
			data = v.String()
		}
	}); err != nil || data == "" {
		return appstate.Glance{}, false
	}
	g, err := appstate.ParseGlance([]byte(data))
	if err != nil {
		app.Log("waprivacy:", err, "(removed; the page starts without it)")
		jscatch.Do(func() { storage.Call("removeItem", glanceKey) })
		return appstate.Glance{}, false
	}
	return g, true
}

// follow keeps the stored glance in step with v: rewritten when the
// settings the next start shows are newer, removed at once when its
// account is no longer linked.
func (k *glanceKeeper) follow(v appstate.View) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if g, ok := appstate.GlanceOf(v); ok {
		latest := k.next
		if latest == nil {
			latest = k.stored
		}
		if latest == nil || !latest.Same(g) {
			k.next = &g
			if k.timer == nil {
				k.timer = time.AfterFunc(glanceDelay, k.write)
			}
		}
		return
	}
	if k.next != nil && !k.next.Allowed(v) {
		k.next = nil
	}
	if k.stored != nil && !k.stored.Allowed(v) {
		// At once: a reload right after unlinking must not show it.
		if storage, found := localStorage(); found {
			jscatch.Do(func() { storage.Call("removeItem", glanceKey) })
		}
		k.stored = nil
	}
}

// write stores the glance follow left for it, if it is still wanted.
func (k *glanceKeeper) write() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.timer = nil
	g := k.next
	k.next = nil
	if g == nil {
		return
	}
	data, err := g.Encode()
	if err != nil {
		app.Log("waprivacy: keeping the glance:", err)
		return
	}
	if storage, found := localStorage(); found {
		if err := jscatch.Do(func() { storage.Call("setItem", glanceKey, string(data)) }); err != nil {
			app.Log("waprivacy: keeping the glance:", err)
			return
		}
		k.stored = g
	}
}

// localStorage is the page's, if the browser lets it have one (a
// sandboxed frame or disabled storage throws on access).
func localStorage() (storage app.Value, ok bool) {
	jscatch.Do(func() { storage = app.Window().Get("localStorage") })
	return storage, storage != nil && storage.Truthy()
}
