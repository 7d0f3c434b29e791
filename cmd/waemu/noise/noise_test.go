package noise

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"testing"

	"go.mau.fi/whatsmeow/proto/waWa6"
	"go.mau.fi/whatsmeow/socket"
	"go.mau.fi/whatsmeow/util/keys"
	waLog "go.mau.fi/whatsmeow/util/log"
	"google.golang.org/protobuf/proto"
)

// clientSide drives whatsmeow's own NoiseHandshake as the initiator, exactly
// in the order whatsmeow's doHandshake does.
type clientSide struct {
	nh        *socket.NoiseHandshake
	ephemeral *keys.KeyPair
	static    *keys.KeyPair
}

func newClientSide() *clientSide {
	c := &clientSide{nh: socket.NewNoiseHandshake(), ephemeral: keys.NewKeyPair(), static: keys.NewKeyPair()}
	c.nh.Start(socket.NoiseStartPattern, socket.WAConnHeader)
	c.nh.Authenticate(c.ephemeral.Pub[:])
	return c
}

func (c *clientSide) hello(t testing.TB) []byte {
	data, err := proto.Marshal(&waWa6.HandshakeMessage{ClientHello: &waWa6.HandshakeMessage_ClientHello{Ephemeral: c.ephemeral.Pub[:]}})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// finish checks the server hello and returns the client finish frame.
func (c *clientSide) finish(t testing.TB, serverHello []byte, wantStatic, wantCert, payload []byte) []byte {
	var msg waWa6.HandshakeMessage
	if err := proto.Unmarshal(serverHello, &msg); err != nil {
		t.Fatal(err)
	}
	sh := msg.GetServerHello()
	c.nh.Authenticate(sh.GetEphemeral())
	if err := c.nh.MixSharedSecretIntoKey(*c.ephemeral.Priv, [32]byte(sh.GetEphemeral())); err != nil {
		t.Fatal(err)
	}
	static, err := c.nh.Decrypt(sh.GetStatic())
	if err != nil || !bytes.Equal(static, wantStatic) {
		t.Fatalf("server static = %x, %v; want %x", static, err, wantStatic)
	}
	if err := c.nh.MixSharedSecretIntoKey(*c.ephemeral.Priv, [32]byte(static)); err != nil {
		t.Fatal(err)
	}
	cert, err := c.nh.Decrypt(sh.GetPayload())
	if err != nil || !bytes.Equal(cert, wantCert) {
		t.Fatalf("cert = %q, %v; want %q", cert, err, wantCert)
	}
	encStatic := c.nh.Encrypt(c.static.Pub[:])
	if err := c.nh.MixSharedSecretIntoKey(*c.static.Priv, [32]byte(sh.GetEphemeral())); err != nil {
		t.Fatal(err)
	}
	data, err := proto.Marshal(&waWa6.HandshakeMessage{ClientFinish: &waWa6.HandshakeMessage_ClientFinish{
		Static: encStatic, Payload: c.nh.Encrypt(payload),
	}})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func newStatic(t testing.TB) *ecdh.PrivateKey {
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestHandshakeWithWhatsmeowInitiator(t *testing.T) {
	static := newStatic(t)
	cert := []byte("certificate chain")
	r := NewResponder(socket.WAConnHeader, static, cert)
	c := newClientSide()

	serverHello, err := r.ReadHello(c.hello(t))
	if err != nil {
		t.Fatal(err)
	}
	fin, err := r.ReadFinish(c.finish(t, serverHello, static.PublicKey().Bytes(), cert, []byte("client payload")))
	if err != nil {
		t.Fatal(err)
	}
	if fin.ClientStatic != *c.static.Pub {
		t.Errorf("client static = %x, want %x", fin.ClientStatic, *c.static.Pub)
	}
	if string(fin.Payload) != "client payload" {
		t.Errorf("payload = %q", fin.Payload)
	}

	// whatsmeow's NoiseSocket must open what the server's transport seals, in order.
	fs := socket.NewFrameSocket(waLog.Noop, nil)
	got := make(chan []byte, 2)
	ns, err := c.nh.Finish(context.Background(), fs, func(_ context.Context, b []byte) { got <- bytes.Clone(b) }, func(context.Context, *socket.NoiseSocket, bool) {})
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Stop(false, false)
	for _, want := range []string{"first", "second"} {
		fs.Frames <- fin.Transport.Encrypt([]byte(want))
		if b := <-got; string(b) != want {
			t.Errorf("client decrypted %q, want %q", b, want)
		}
	}
}

func TestOutOfOrderAndTampering(t *testing.T) {
	static := newStatic(t)
	r := NewResponder(socket.WAConnHeader, static, []byte("cert"))
	if _, err := r.ReadFinish(nil); err == nil {
		t.Error("finish before hello succeeded")
	}
	c := newClientSide()
	serverHello, err := r.ReadHello(c.hello(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadHello(c.hello(t)); err == nil {
		t.Error("second hello succeeded")
	}
	finish := c.finish(t, serverHello, static.PublicKey().Bytes(), []byte("cert"), []byte("p"))
	finish[len(finish)-1] ^= 1
	if _, err := r.ReadFinish(finish); !errors.Is(err, ErrDecrypt) {
		t.Errorf("tampered finish: err = %v, want ErrDecrypt", err)
	}
}

func TestTransportRejectsReplay(t *testing.T) {
	a, err := newGCM(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	client := &Transport{send: a, recv: a} // same key both ways: the client's send is the server's recv
	server := &Transport{send: a, recv: a}
	ct := client.Encrypt([]byte("x"))
	if pt, err := server.Decrypt(ct); err != nil || string(pt) != "x" {
		t.Fatalf("decrypt = %q, %v", pt, err)
	}
	if _, err := server.Decrypt(ct); !errors.Is(err, ErrDecrypt) {
		t.Errorf("replayed frame: err = %v, want ErrDecrypt", err)
	}
}

func TestLowOrderEphemeralRefused(t *testing.T) {
	r := NewResponder(socket.WAConnHeader, newStatic(t), []byte("cert"))
	hello, _ := proto.Marshal(&waWa6.HandshakeMessage{ClientHello: &waWa6.HandshakeMessage_ClientHello{Ephemeral: make([]byte, 32)}})
	if _, err := r.ReadHello(hello); err == nil {
		t.Error("all-zero ephemeral accepted")
	}
}

// FuzzHandshake feeds arbitrary bytes as the client's hello and, when that
// parses, as its finish: the responder must return errors, never panic.
func FuzzHandshake(f *testing.F) {
	static := newStatic(f)
	c := newClientSide()
	f.Add(c.hello(f), []byte{})
	f.Add([]byte{0x12, 0x22, 0x0a, 0x20}, []byte{0x22, 0x04, 0x0a, 0x00, 0x12, 0x00})
	f.Add([]byte{}, []byte{0xff})
	f.Fuzz(func(t *testing.T, hello, finish []byte) {
		r := NewResponder(socket.WAConnHeader, static, []byte("cert"))
		if _, err := r.ReadHello(hello); err != nil {
			return
		}
		if fin, err := r.ReadFinish(finish); err == nil {
			t.Fatalf("finish from random bytes authenticated: %+v", fin)
		}
	})
}

func FuzzTransportDecrypt(f *testing.F) {
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0}, 16))
	a, err := newGCM(make([]byte, 32))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		tr := &Transport{send: a, recv: a}
		if _, err := tr.Decrypt(frame); err == nil {
			t.Fatal("random frame authenticated")
		}
	})
}
