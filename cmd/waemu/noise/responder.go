package noise

import (
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"fmt"

	"go.mau.fi/whatsmeow/proto/waWa6"
	"google.golang.org/protobuf/proto"
)

// Responder is one server-side handshake. Call ReadHello with the client's
// first frame, send its reply, then call ReadFinish with the client's second frame.
type Responder struct {
	sym       *symmetric
	static    *ecdh.PrivateKey
	cert      []byte
	ephemeral *ecdh.PrivateKey
	peerEph   []byte
	finished  bool
}

// Finished is what a completed handshake yields.
type Finished struct {
	// ClientStatic is the client's noise static public key: it identifies the device.
	ClientStatic [32]byte
	// Payload is the serialized ClientPayload the client sent encrypted.
	Payload []byte
	// Transport encrypts and decrypts every later frame.
	Transport *Transport
}

// NewResponder starts a handshake. The prologue is the connection header the
// client sent ("WA", 6, 3); cert is the serialized certificate chain for static.
func NewResponder(prologue []byte, static *ecdh.PrivateKey, cert []byte) *Responder {
	return &Responder{sym: newSymmetric(prologue), static: static, cert: cert}
}

// ReadHello consumes the ClientHello and returns the ServerHello frame to send.
func (r *Responder) ReadHello(frame []byte) ([]byte, error) {
	if r.ephemeral != nil {
		return nil, errors.New("noise: hello already read")
	}
	var msg waWa6.HandshakeMessage
	if err := proto.Unmarshal(frame, &msg); err != nil {
		return nil, fmt.Errorf("noise: client hello: %w", err)
	}
	peerEph := msg.GetClientHello().GetEphemeral()
	if len(peerEph) != 32 {
		return nil, fmt.Errorf("noise: client hello ephemeral is %d bytes, want 32", len(peerEph))
	}
	eph, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	r.sym.mixHash(peerEph)
	r.sym.mixHash(eph.PublicKey().Bytes())
	if err := r.mixDH(eph, peerEph); err != nil {
		return nil, err
	}
	encStatic := r.sym.encrypt(r.static.PublicKey().Bytes())
	if err := r.mixDH(r.static, peerEph); err != nil {
		return nil, err
	}
	encCert := r.sym.encrypt(r.cert)
	r.ephemeral, r.peerEph = eph, peerEph
	return proto.Marshal(&waWa6.HandshakeMessage{ServerHello: &waWa6.HandshakeMessage_ServerHello{
		Ephemeral: eph.PublicKey().Bytes(),
		Static:    encStatic,
		Payload:   encCert,
	}})
}

// ReadFinish consumes the ClientFinish and completes the handshake.
func (r *Responder) ReadFinish(frame []byte) (*Finished, error) {
	if r.ephemeral == nil || r.finished {
		return nil, errors.New("noise: finish out of order")
	}
	r.finished = true
	var msg waWa6.HandshakeMessage
	if err := proto.Unmarshal(frame, &msg); err != nil {
		return nil, fmt.Errorf("noise: client finish: %w", err)
	}
	fin := msg.GetClientFinish()
	if len(fin.GetStatic()) == 0 || len(fin.GetPayload()) == 0 {
		return nil, errors.New("noise: client finish lacks static or payload")
	}
	// The cert used nonce 0 under this key, so the client's static uses nonce 1.
	static, err := r.sym.decrypt(fin.GetStatic())
	if err != nil {
		return nil, fmt.Errorf("noise: client static: %w", ErrDecrypt)
	}
	if len(static) != 32 {
		return nil, fmt.Errorf("noise: client static is %d bytes, want 32", len(static))
	}
	if err := r.mixDH(r.ephemeral, static); err != nil {
		return nil, err
	}
	payload, err := r.sym.decrypt(fin.GetPayload())
	if err != nil {
		return nil, fmt.Errorf("noise: client payload: %w", ErrDecrypt)
	}
	t, err := r.sym.split()
	if err != nil {
		return nil, err
	}
	return &Finished{ClientStatic: [32]byte(static), Payload: payload, Transport: t}, nil
}

func (r *Responder) mixDH(priv *ecdh.PrivateKey, pub []byte) error {
	secret, err := dh(priv, pub)
	if err != nil {
		return fmt.Errorf("noise: key agreement: %w", err)
	}
	return r.sym.mixKey(secret)
}
