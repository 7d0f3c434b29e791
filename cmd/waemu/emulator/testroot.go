package emulator

import "crypto/ecdh"

// testRootPrivate is a TEST-ONLY root key. Its private half is published right
// here, so anything it signs proves nothing. It exists so that clients built
// with the "waemu" tag (package wasm/emutrust) accept this emulator's
// certificate chain. Never trust it in a production build.
var testRootPrivate = [32]byte{
	0x30, 0x1f, 0x0c, 0x71, 0xe3, 0x32, 0xe2, 0x66, 0xf0, 0xc2, 0x99, 0x31, 0xd8, 0xb1, 0x02, 0xad,
	0x8f, 0x8f, 0x64, 0x5a, 0x2e, 0xc0, 0xdf, 0x38, 0xf7, 0x1a, 0x03, 0xb7, 0xb9, 0xa6, 0x7c, 0x61,
}

// RootPublicKey returns the public half of the TEST-ONLY root key that signs
// the emulator's certificate chain: the value a client must put in
// whatsmeow.WACertPubKey to talk to the emulator.
func RootPublicKey() [32]byte {
	k, err := ecdh.X25519().NewPrivateKey(testRootPrivate[:])
	if err != nil {
		panic(err) // unreachable: any 32 bytes are a valid X25519 private key
	}
	return [32]byte(k.PublicKey().Bytes())
}
