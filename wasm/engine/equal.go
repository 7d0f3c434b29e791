package engine

import (
	"maps"
	"slices"

	"github.com/waprivacy/waprivacy/wasm/privacy"
)

func equalSnapshots(a, b privacy.Snapshot) bool {
	if !maps.Equal(a.Settings, b.Settings) || a.DefaultTimer != b.DefaultTimer || !slices.Equal(a.Blocked, b.Blocked) {
		return false
	}
	return maps.EqualFunc(a.Except, b.Except, slices.Equal) && maps.Equal(a.Contacts, b.Contacts)
}
