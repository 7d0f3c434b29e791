//go:build waemu

package emutrust_test

import (
	"testing"

	"go.mau.fi/whatsmeow"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
	"github.com/waprivacy/waprivacy/wasm/emutrust"
)

func TestTrustsTheEmulatorRoot(t *testing.T) {
	if want := emulator.RootPublicKey(); whatsmeow.WACertPubKey != want {
		t.Fatalf("WACertPubKey = %x, want the emulator's root %x", whatsmeow.WACertPubKey, want)
	}
	if !emutrust.Enabled {
		t.Error("Enabled is false in a build that trusts the emulator, so the page shows no banner")
	}
}
