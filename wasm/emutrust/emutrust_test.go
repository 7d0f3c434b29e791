//go:build waemu

package emutrust

import (
	"testing"

	"go.mau.fi/whatsmeow"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
)

func TestTrustsTheEmulatorRoot(t *testing.T) {
	if want := emulator.RootPublicKey(); whatsmeow.WACertPubKey != want {
		t.Fatalf("WACertPubKey = %x, want the emulator's root %x", whatsmeow.WACertPubKey, want)
	}
}
