//go:build !waemu

package emutrust

import (
	"testing"

	"go.mau.fi/whatsmeow"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
)

func TestProductionBuildDoesNotTrustTheEmulator(t *testing.T) {
	if whatsmeow.WACertPubKey == emulator.RootPublicKey() {
		t.Fatal("a build without the waemu tag trusts the emulator's test-only root")
	}
}
