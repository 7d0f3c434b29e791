package emulator

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waWa6"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/keys"
	"google.golang.org/protobuf/proto"

	"github.com/waprivacy/waprivacy/cmd/waemu/frame"
)

// panicWatch is a slog handler that remembers whether the server logged a panic.
type panicWatch struct {
	mu     sync.Mutex
	panics []string
}

func (p *panicWatch) Enabled(context.Context, slog.Level) bool { return true }
func (p *panicWatch) WithAttrs([]slog.Attr) slog.Handler       { return p }
func (p *panicWatch) WithGroup(string) slog.Handler            { return p }
func (p *panicWatch) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "panic") {
		p.mu.Lock()
		p.panics = append(p.panics, r.Message)
		p.mu.Unlock()
	}
	return nil
}

func (p *panicWatch) check(tb testing.TB) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.panics) > 0 {
		tb.Fatalf("server panicked: %v", p.panics)
	}
}

func startServer(tb testing.TB, log *slog.Logger) (*Server, string) {
	s, err := New(Options{Logger: log})
	if err != nil {
		tb.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	tb.Cleanup(func() {
		s.Close()
		hs.Close()
	})
	return s, hs.Listener.Addr().String()
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestLoginAgainstRecordedNoiseKey(t *testing.T) {
	s, addr := startServer(t, quietLogger())
	jids, noiseKeys := seedDevices(t, s.world, "5511911112222", 2)

	lc, err := dialLight(addr, noiseKeys[0], loginPayload(jids[0]), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer lc.close()
	n, err := lc.next(10 * time.Second)
	if err != nil || n.Tag != "success" {
		t.Fatalf("login: %v %v", n, err)
	}
	if err := lc.keepAlive("k1", 10*time.Second); err != nil {
		t.Fatal(err)
	}

	// Device 2's number with device 1's key: refused.
	bad, err := dialLight(addr, noiseKeys[0], loginPayload(jids[1]), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer bad.close()
	if n, err := bad.next(10 * time.Second); err != nil || n.Tag != "failure" || n.Attrs["reason"] != "401" {
		t.Fatalf("login with another device's key: %v %v", n, err)
	}
}

func TestHandshakeTimeout(t *testing.T) {
	s, addr := startServer(t, quietLogger())
	s.handshakeTimeout = 100 * time.Millisecond // before any connection reads it
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws/chat", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := ws.Write(ctx, websocket.MessageBinary, []byte("WA\x06\x03")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ws.Read(ctx); err == nil || ctx.Err() != nil {
		t.Fatalf("a connection that never finishes the handshake stayed open: %v", err)
	}
}

// detachedConn is a connection without a socket, for feeding frames
// straight to the handling code.
func detachedConn(s *Server) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	return &conn{
		srv: s, ctx: ctx, cancel: cancel, log: s.log,
		out: make(chan departure, 1<<16), waiters: map[string]chan *waBinary.Node{},
	}
}

// FuzzFrames feeds arbitrary bytes as a connection's first messages: framing,
// then handshake. Errors are fine; a panic fails.
func FuzzFrames(f *testing.F) {
	s, _ := startServer(f, quietLogger())
	hello, err := proto.Marshal(&waWa6.HandshakeMessage{ClientHello: &waWa6.HandshakeMessage_ClientHello{Ephemeral: keys.NewKeyPair().Pub[:]}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(append([]byte{'W', 'A', 6, 3, 0, 0, byte(len(hello))}, hello...))
	f.Add([]byte("WA\x06\x03\x00\x00\x00\x00\x00\x01\xff"))
	f.Add([]byte("WA\x06\x03\xff\xff\xff"))
	f.Add([]byte("ED\x00\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := detachedConn(s)
		defer c.cancel()
		var fr frame.Reader
		frames, err := fr.Feed(data)
		if err != nil {
			return
		}
		for _, fm := range frames {
			if err := c.handleFrame(fm); err != nil {
				return
			}
		}
	})
}

// FuzzStanza feeds arbitrary decrypted frames to a logged-in connection:
// every IQ handler sees malformed nodes. Errors are fine; a panic fails.
func FuzzStanza(f *testing.F) {
	s, _ := startServer(f, quietLogger())
	jids, _ := seedDevices(f, s.world, "5511933334444", 1)
	for _, n := range []waBinary.Node{
		{Tag: "iq", Attrs: waBinary.Attrs{"id": "1", "type": "get", "xmlns": "privacy"}, Content: []waBinary.Node{{Tag: "privacy"}}},
		{Tag: "iq", Attrs: waBinary.Attrs{"id": "2", "type": "set", "xmlns": "privacy"}, Content: []waBinary.Node{{Tag: "privacy", Content: []waBinary.Node{
			{Tag: "category", Attrs: waBinary.Attrs{"name": "last", "value": "contact_blacklist", "dhash": "none"}, Content: []waBinary.Node{
				{Tag: "user", Attrs: waBinary.Attrs{"action": "add", "jid": jids[0].ToNonAD()}}}}}}}},
		{Tag: "iq", Attrs: waBinary.Attrs{"id": "3", "type": "set", "xmlns": "blocklist"}, Content: []waBinary.Node{{Tag: "item", Attrs: waBinary.Attrs{"action": "block", "jid": jids[0].ToNonAD()}}}},
		{Tag: "iq", Attrs: waBinary.Attrs{"id": "4", "type": "set", "xmlns": "encrypt"}, Content: []waBinary.Node{{Tag: "registration", Content: []byte{0, 0, 0, 1}}}},
		{Tag: "iq", Attrs: waBinary.Attrs{"id": "5", "type": "set", "xmlns": "md"}, Content: []waBinary.Node{{Tag: "link_code_companion_reg", Attrs: waBinary.Attrs{"stage": "companion_finish"}}}},
		{Tag: "iq", Attrs: waBinary.Attrs{"id": "6", "type": "set", "xmlns": "disappearing_mode"}, Content: []waBinary.Node{{Tag: "disappearing_mode", Attrs: waBinary.Attrs{"duration": "86400"}}}},
		{Tag: "iq", Attrs: waBinary.Attrs{"id": "7", "type": "get", "xmlns": "usync"}, Content: []waBinary.Node{{Tag: "usync", Attrs: waBinary.Attrs{"mode": "full"}, Content: []waBinary.Node{
			{Tag: "query", Content: []waBinary.Node{{Tag: "contact", Attrs: waBinary.Attrs{"addressing_mode": "lid"}}, {Tag: "lid"}, {Tag: "devices", Attrs: waBinary.Attrs{"version": "2"}}}},
			{Tag: "list", Content: []waBinary.Node{
				{Tag: "user", Attrs: waBinary.Attrs{"jid": jids[0].ToNonAD()}},
				{Tag: "user", Content: []waBinary.Node{{Tag: "contact", Content: "+5511933334445@c.us"}}},
				{Tag: "user", Attrs: waBinary.Attrs{"jid": lidJID(derivedLID("5511933334445"))}},
			}},
		}}}},
		{Tag: "iq", Attrs: waBinary.Attrs{"id": "8", "type": "set", "xmlns": "privacy"}, Content: []waBinary.Node{{Tag: "privacy", Attrs: waBinary.Attrs{"addressing_mode": "lid"}, Content: []waBinary.Node{
			{Tag: "category", Attrs: waBinary.Attrs{"name": "last", "value": "contact_blacklist", "dhash": "none"}, Content: []waBinary.Node{
				{Tag: "user", Attrs: waBinary.Attrs{"action": "add", "jid": lidJID(derivedLID("5511933334445")), "pn_jid": types.NewJID("5511933334445", types.DefaultUserServer)}},
				{Tag: "user", Attrs: waBinary.Attrs{"action": "remove", "jid": lidJID("123456789012345")}}}}}}}},
		{Tag: "iq", Attrs: waBinary.Attrs{"id": "9", "type": "get", "xmlns": "privacy"}, Content: []waBinary.Node{{Tag: "privacy", Attrs: waBinary.Attrs{"addressing_mode": "lid"}, Content: []waBinary.Node{
			{Tag: "list", Attrs: waBinary.Attrs{"name": "status", "value": "contact_blacklist"}}}}}},
		{Tag: "iq", Attrs: waBinary.Attrs{"id": "10", "type": "set", "xmlns": "blocklist"}, Content: []waBinary.Node{{Tag: "item", Attrs: waBinary.Attrs{"action": "block", "jid": lidJID("123456789012345"), "username": "x"}}}},
	} {
		data, err := waBinary.Marshal(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte{2, 0x78, 0x9c, 0x03, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		c := detachedConn(s)
		defer c.cancel()
		c.device = jids[0]
		c.identity = randomBytes(32)
		if node, err := decodeNode(data); err == nil {
			c.dispatch(node)
		}
	})
}

// FuzzServer sends arbitrary bytes over a real WebSocket, then checks that
// the server logged no panic and still completes a handshake for a new client.
func FuzzServer(f *testing.F) {
	watch := &panicWatch{}
	_, addr := startServer(f, slog.New(watch))
	f.Add([]byte("WA\x06\x03\x00\x00\x02\x12\x00"), true)
	f.Add([]byte("WA\x06\x03"), false)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, true)
	f.Fuzz(func(t *testing.T, data []byte, split bool) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws/chat", nil)
		if err != nil {
			t.Fatal(err)
		}
		msgs := [][]byte{data}
		if split && len(data) > 1 {
			msgs = [][]byte{data[:len(data)/2], data[len(data)/2:]}
		}
		for _, m := range msgs {
			ws.Write(ctx, websocket.MessageBinary, m)
		}
		ws.Read(ctx) // until the server hangs up or the short deadline passes
		ws.CloseNow()

		lc, err := dialLight(addr, keys.NewKeyPair(), &waWa6.ClientPayload{
			DevicePairingData: &waWa6.ClientPayload_DevicePairingRegistrationData{EIdent: randomBytes(32)},
		}, 10*time.Second)
		if err != nil {
			t.Fatalf("server stopped serving: %v", err)
		}
		defer lc.close()
		if n, err := lc.next(10 * time.Second); err != nil || n.GetChildByTag("pair-device").Tag != "pair-device" {
			t.Fatalf("registration after fuzz input: %v %v", n, err)
		}
		watch.check(t)
	})
}
