//go:build !waemu

package emutrust_test

import (
	"testing"

	"go.mau.fi/whatsmeow"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
	"github.com/waprivacy/waprivacy/wasm/emutrust"
)

func TestProductionBuildDoesNotTrustTheEmulator(t *testing.T) {
	if whatsmeow.WACertPubKey == emulator.RootPublicKey() {
		t.Fatal("a build without the waemu tag trusts the emulator's test-only root")
	}
	if emutrust.Enabled {
		t.Error("Enabled is true in a build without the waemu tag")
	}
}
