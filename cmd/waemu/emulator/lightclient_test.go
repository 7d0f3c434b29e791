package emulator

import (
	"context"
	"errors"
	"testing"
	"time"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waWa6"
	"go.mau.fi/whatsmeow/socket"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/keys"
	waLog "go.mau.fi/whatsmeow/util/log"
	"google.golang.org/protobuf/proto"
)

// lightClient is whatsmeow's socket layer (FrameSocket, NoiseHandshake,
// NoiseSocket) without the rest of the client: enough to handshake, log in
// and send keepalives, cheaply enough to run hundreds at once.
type lightClient struct {
	ns    *socket.NoiseSocket
	nodes chan *waBinary.Node
}

// dialLight connects to addr and completes the handshake with payload. It
// does not check the certificate chain; the whatsmeow client tests do.
func dialLight(addr string, noiseKey *keys.KeyPair, payload *waWa6.ClientPayload, timeout time.Duration) (*lightClient, error) {
	fs := socket.NewFrameSocket(waLog.Noop, HTTPClient(addr))
	// The frame socket reads until this context ends, so it must outlive the dial.
	if err := fs.Connect(context.Background()); err != nil {
		return nil, err
	}
	lc, err := handshakeLight(fs, noiseKey, payload, timeout)
	if err != nil {
		fs.Close(0)
	}
	return lc, err
}

func handshakeLight(fs *socket.FrameSocket, noiseKey *keys.KeyPair, payload *waWa6.ClientPayload, timeout time.Duration) (*lightClient, error) {
	eph := keys.NewKeyPair()
	nh := socket.NewNoiseHandshake()
	nh.Start(socket.NoiseStartPattern, fs.Header)
	nh.Authenticate(eph.Pub[:])
	hello, err := proto.Marshal(&waWa6.HandshakeMessage{ClientHello: &waWa6.HandshakeMessage_ClientHello{Ephemeral: eph.Pub[:]}})
	if err != nil {
		return nil, err
	}
	if err := fs.SendFrame(hello); err != nil {
		return nil, err
	}
	var resp []byte
	select {
	case resp = <-fs.Frames:
	case <-time.After(timeout):
		return nil, errors.New("no server hello")
	}
	var msg waWa6.HandshakeMessage
	if err := proto.Unmarshal(resp, &msg); err != nil {
		return nil, err
	}
	sh := msg.GetServerHello()
	if len(sh.GetEphemeral()) != 32 {
		return nil, errors.New("bad server hello")
	}
	serverEph := [32]byte(sh.GetEphemeral())
	nh.Authenticate(serverEph[:])
	if err := nh.MixSharedSecretIntoKey(*eph.Priv, serverEph); err != nil {
		return nil, err
	}
	static, err := nh.Decrypt(sh.GetStatic())
	if err != nil || len(static) != 32 {
		return nil, errors.New("server static does not decrypt")
	}
	if err := nh.MixSharedSecretIntoKey(*eph.Priv, [32]byte(static)); err != nil {
		return nil, err
	}
	if _, err := nh.Decrypt(sh.GetPayload()); err != nil {
		return nil, err
	}
	encStatic := nh.Encrypt(noiseKey.Pub[:])
	if err := nh.MixSharedSecretIntoKey(*noiseKey.Priv, serverEph); err != nil {
		return nil, err
	}
	payloadBytes, err := proto.Marshal(payload)
	if err != nil {
		return nil, err
	}
	finish, err := proto.Marshal(&waWa6.HandshakeMessage{ClientFinish: &waWa6.HandshakeMessage_ClientFinish{
		Static: encStatic, Payload: nh.Encrypt(payloadBytes),
	}})
	if err != nil {
		return nil, err
	}
	if err := fs.SendFrame(finish); err != nil {
		return nil, err
	}
	lc := &lightClient{nodes: make(chan *waBinary.Node, 16)}
	lc.ns, err = nh.Finish(context.Background(), fs, lc.onFrame, func(context.Context, *socket.NoiseSocket, bool) {})
	return lc, err
}

func (lc *lightClient) onFrame(_ context.Context, data []byte) {
	plain, err := waBinary.Unpack(data)
	if err != nil {
		return
	}
	if node, err := waBinary.Unmarshal(plain); err == nil {
		lc.nodes <- node
	}
}

func (lc *lightClient) send(node waBinary.Node) error {
	data, err := waBinary.Marshal(node)
	if err != nil {
		return err
	}
	return lc.ns.SendFrame(context.Background(), data)
}

// next returns the next node from the server.
func (lc *lightClient) next(timeout time.Duration) (*waBinary.Node, error) {
	select {
	case n := <-lc.nodes:
		return n, nil
	case <-time.After(timeout):
		return nil, errors.New("timed out waiting for a node")
	}
}

// keepAlive sends whatsmeow's keepalive IQ and waits for its result,
// skipping other nodes as whatsmeow's response waiters do.
func (lc *lightClient) keepAlive(id string, timeout time.Duration) error {
	if err := lc.send(waBinary.Node{Tag: "iq", Attrs: waBinary.Attrs{"id": id, "xmlns": "w:p", "type": "get", "to": types.ServerJID}}); err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	for {
		n, err := lc.next(time.Until(deadline))
		if err != nil {
			return err
		}
		if n.Tag == "iq" && n.Attrs["id"] == id {
			if n.Attrs["type"] != "result" {
				return errors.New("keepalive answered with " + n.String())
			}
			return nil
		}
	}
}

func (lc *lightClient) close() { lc.ns.Stop(true, false) }

// loginPayload is what whatsmeow sends to log in as jid.
func loginPayload(jid types.JID) *waWa6.ClientPayload {
	return &waWa6.ClientPayload{
		Username: proto.Uint64(jid.UserInt()),
		Device:   proto.Uint32(uint32(jid.Device)),
		Passive:  proto.Bool(true),
		Pull:     proto.Bool(true),
	}
}

// seedDevices links n companions to a new account without pairing, for tests
// about logins; it returns their JIDs and noise keys.
func seedDevices(tb testing.TB, w *world, phone string, n int) ([]types.JID, []*keys.KeyPair) {
	acc, err := newAccount(phone, time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	jids := make([]types.JID, n)
	noiseKeys := make([]*keys.KeyPair, n)
	for i := range n {
		noiseKeys[i] = keys.NewKeyPair()
		id := acc.NextDevice
		acc.NextDevice++
		acc.Devices[id] = &device{NoiseKey: noiseKeys[i].Pub[:], IdentityKey: randomBytes(32), PreKeys: 812}
		jids[i] = acc.deviceJID(id)
	}
	w.mu.Lock()
	w.accounts[phone] = acc
	w.mu.Unlock()
	return jids, noiseKeys
}
