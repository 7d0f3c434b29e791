//go:build waemu

package emutrust

import "go.mau.fi/whatsmeow"

// rootKey is the public half of cmd/waemu's TEST-ONLY root key. It is a
// copy, not an import, so the app does not link the server; a test keeps
// the two equal.
var rootKey = [32]byte{
	0x66, 0xb7, 0x10, 0x95, 0x98, 0x5a, 0x25, 0xcc, 0x47, 0x40, 0x37, 0x1f, 0x17, 0xf3, 0xe3, 0x3a,
	0xc2, 0xe3, 0x40, 0xaa, 0x0a, 0x0c, 0x0c, 0x45, 0xba, 0xad, 0x29, 0xce, 0x52, 0x5f, 0xde, 0x43,
}

// Enabled reports whether this build trusts the emulator: true here, with
// the waemu tag. The page shows a banner saying so (ui.EmulatorBanner).
const Enabled = true

func init() {
	whatsmeow.WACertPubKey = rootKey
}
