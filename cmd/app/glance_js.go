//go:build js

package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/appstate"
	"github.com/waprivacy/waprivacy/wasm/jscatch"
)

// glanceKey names the page's appstate.Glance in localStorage, which the
// page reads synchronously before its database opens.
const glanceKey = "waprivacy-glance"

// glanceKeeper rewrites the stored glance from the page's views.
type glanceKeeper struct {
	saved appstate.Glance
	have  bool
}

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
// settings on screen are newer, removed when no account is linked.
func (k *glanceKeeper) follow(v appstate.View) {
	g, ok := appstate.GlanceOf(v)
	switch {
	case ok && !(k.have && k.saved.Same(g)):
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
			k.saved, k.have = g, true
		}
	case !ok && appstate.LeavesNoGlance(v):
		if storage, found := localStorage(); found {
			jscatch.Do(func() { storage.Call("removeItem", glanceKey) })
		}
		k.have = false
	}
}

// localStorage is the page's, if the browser lets it have one (a
// sandboxed frame or disabled storage throws on access).
func localStorage() (storage app.Value, ok bool) {
	jscatch.Do(func() { storage = app.Window().Get("localStorage") })
	return storage, storage != nil && storage.Truthy()
}
