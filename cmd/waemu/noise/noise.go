// Package noise runs the server side of WhatsApp's Noise_XX_25519_AESGCM_SHA256
// handshake and the transport cipher that follows it.
//
// It follows the client in whatsmeow's handshake.go and socket/noisehandshake.go
// step by step, so the two interoperate byte for byte.
package noise

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// pattern is exactly 32 bytes, so it seeds the hash and chaining key as-is
// instead of being hashed (Noise spec §5.2, and whatsmeow's Start).
const pattern = "Noise_XX_25519_AESGCM_SHA256\x00\x00\x00\x00"

// symmetric is the Noise SymmetricState: running hash h, chaining key ck and
// the current cipher key with its nonce counter.
type symmetric struct {
	h  [32]byte
	ck [32]byte
	k  cipher.AEAD
	n  uint32
}

func newSymmetric(prologue []byte) *symmetric {
	var s symmetric
	copy(s.h[:], pattern)
	s.ck = s.h
	s.mixHash(prologue)
	return &s
}

func (s *symmetric) mixHash(data []byte) {
	d := sha256.New()
	d.Write(s.h[:])
	d.Write(data)
	d.Sum(s.h[:0])
}

// mixKey derives a new chaining key and cipher key from ikm and resets the nonce.
func (s *symmetric) mixKey(ikm []byte) error {
	ck, k, err := expand(ikm, s.ck[:])
	if err != nil {
		return err
	}
	s.ck = ck
	s.k, err = newGCM(k[:])
	s.n = 0
	return err
}

func (s *symmetric) encrypt(plaintext []byte) []byte {
	ct := s.k.Seal(nil, nonce(s.n), plaintext, s.h[:])
	s.n++
	s.mixHash(ct)
	return ct
}

func (s *symmetric) decrypt(ciphertext []byte) ([]byte, error) {
	pt, err := s.k.Open(nil, nonce(s.n), ciphertext, s.h[:])
	if err != nil {
		return nil, err
	}
	s.n++
	s.mixHash(ciphertext)
	return pt, nil
}

// split derives the two transport keys: the first half encrypts client→server,
// the second server→client (whatsmeow's Finish: writeKey, readKey).
func (s *symmetric) split() (*Transport, error) {
	c2s, s2c, err := expand(nil, s.ck[:])
	if err != nil {
		return nil, err
	}
	recv, err := newGCM(c2s[:])
	if err != nil {
		return nil, err
	}
	send, err := newGCM(s2c[:])
	if err != nil {
		return nil, err
	}
	return &Transport{recv: recv, send: send}, nil
}

// expand is HKDF-SHA256 with the chaining key as salt and no info, cut into two 32-byte keys.
func expand(ikm, salt []byte) (first, second [32]byte, err error) {
	out, err := hkdf.Key(sha256.New, ikm, salt, "", 64)
	if err != nil {
		return first, second, fmt.Errorf("hkdf: %w", err)
	}
	copy(first[:], out[:32])
	copy(second[:], out[32:])
	return first, second, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// nonce is 8 zero bytes then the big-endian counter, as whatsmeow's generateIV.
func nonce(n uint32) []byte {
	iv := make([]byte, 12)
	binary.BigEndian.PutUint32(iv[8:], n)
	return iv
}

func dh(priv *ecdh.PrivateKey, pub []byte) ([]byte, error) {
	key, err := ecdh.X25519().NewPublicKey(pub)
	if err != nil {
		return nil, err
	}
	// ECDH rejects low-order points, so a malicious key cannot force a known secret.
	return priv.ECDH(key)
}

// ErrDecrypt reports a frame that does not authenticate under the expected key and counter.
var ErrDecrypt = errors.New("noise: frame does not decrypt")

// Transport encrypts and decrypts frames after the handshake: AES-GCM without
// associated data, one counter per direction.
//
// Encrypt and Decrypt may run concurrently with each other, but each must be
// called from one goroutine at a time, in frame order.
type Transport struct {
	send, recv   cipher.AEAD
	sendN, recvN uint32
}

// Encrypt seals the next server→client frame.
func (t *Transport) Encrypt(plaintext []byte) []byte {
	ct := t.send.Seal(nil, nonce(t.sendN), plaintext, nil)
	t.sendN++
	return ct
}

// Decrypt opens the next client→server frame.
func (t *Transport) Decrypt(ciphertext []byte) ([]byte, error) {
	pt, err := t.recv.Open(nil, nonce(t.recvN), ciphertext, nil)
	if err != nil {
		return nil, ErrDecrypt
	}
	t.recvN++
	return pt, nil
}
