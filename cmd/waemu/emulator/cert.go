package emulator

import (
	"crypto/ecdh"
	"time"

	"go.mau.fi/libsignal/ecc"
	"go.mau.fi/whatsmeow/proto/waCert"
	"go.mau.fi/whatsmeow/util/keys"
	"google.golang.org/protobuf/proto"
)

// newCertChain signs a fresh intermediate with the test root and the server's
// noise static key with that intermediate, the chain whatsmeow's
// verifyServerCert checks (whatsmeow handshake.go): XEdDSA over the raw
// details bytes, intermediate issuer serial 0, leaf issuer = intermediate serial.
func newCertChain(static *ecdh.PublicKey, now time.Time) ([]byte, error) {
	// keys.NewKeyPair clamps the private key, which XEdDSA signing relies on.
	inter := keys.NewKeyPair()
	// The pinned whatsmeow ignores the validity window; newer versions check it.
	notBefore, notAfter := uint64(now.Add(-time.Hour).Unix()), uint64(now.AddDate(1, 0, 0).Unix())
	interCert, err := signCert(testRootPrivate, &waCert.CertChain_NoiseCertificate_Details{
		Serial: proto.Uint32(1), IssuerSerial: proto.Uint32(0), Key: inter.Pub[:],
		NotBefore: proto.Uint64(notBefore), NotAfter: proto.Uint64(notAfter),
	})
	if err != nil {
		return nil, err
	}
	leafCert, err := signCert(*inter.Priv, &waCert.CertChain_NoiseCertificate_Details{
		Serial: proto.Uint32(2), IssuerSerial: proto.Uint32(1), Key: static.Bytes(),
		NotBefore: proto.Uint64(notBefore), NotAfter: proto.Uint64(notAfter),
	})
	if err != nil {
		return nil, err
	}
	return proto.Marshal(&waCert.CertChain{Leaf: leafCert, Intermediate: interCert})
}

func signCert(signer [32]byte, details *waCert.CertChain_NoiseCertificate_Details) (*waCert.CertChain_NoiseCertificate, error) {
	raw, err := proto.Marshal(details)
	if err != nil {
		return nil, err
	}
	sig := ecc.CalculateSignature(ecc.NewDjbECPrivateKey(signer), raw)
	return &waCert.CertChain_NoiseCertificate{Details: raw, Signature: sig[:]}, nil
}
