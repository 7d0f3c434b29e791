package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// dialRelay opens the proxy's /ws as a browser on origin would.
func dialRelay(t testing.TB, proxyURL, origin string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	return dialRelayHeader(t, proxyURL, http.Header{"Origin": {origin}})
}

func dialRelayHeader(t testing.TB, proxyURL string, h http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(proxyURL, "http")+"/ws", &websocket.DialOptions{
		HTTPHeader: h,
	})
	if c != nil {
		c.SetReadLimit(maxWhatsAppMessage)
		t.Cleanup(func() { c.CloseNow() })
	}
	return c, resp, err
}

func newRelayPair(t *testing.T, cfg Config) (client *websocket.Conn, up *echoUpstream) {
	t.Helper()
	up = newEchoUpstream(t)
	cfg.Upstream = up.wsURL()
	cfg.UpstreamOrigin = "https://web.whatsapp.com"
	ts, _ := newTestProxy(t, cfg)
	c, _, err := dialRelay(t, ts.URL, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	return c, up
}

func TestRelayCopiesMessagesUnchanged(t *testing.T) {
	checkLeaks(t)
	client, up := newRelayPair(t, Config{})
	if got := <-up.origins; got != "https://web.whatsapp.com" {
		t.Errorf("upstream saw Origin %q, want WhatsApp Web's", got)
	}
	ctx := t.Context()
	rng := rand.New(rand.NewPCG(1, 2))
	// Sizes around the relay's buffer, where a message switches from one
	// frame to a streamed one, plus WhatsApp's connection header.
	sizes := []int{0, 1, 7, 1024, copyBufferSize - 1, copyBufferSize, copyBufferSize + 1, 3*copyBufferSize + 5, 1 << 20}
	var sent [][]byte
	for _, n := range sizes {
		msg := make([]byte, n)
		for i := range msg {
			msg[i] = byte(rng.Uint32())
		}
		sent = append(sent, msg)
	}
	sent = append(sent, []byte("WA\x06\x03\x00\x00\x05hello"))
	// Send everything first, so several messages are in flight at once and
	// boundaries must survive.
	for _, msg := range sent {
		if err := client.Write(ctx, websocket.MessageBinary, msg); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range sent {
		typ, got, err := client.Read(ctx)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if typ != websocket.MessageBinary || !bytes.Equal(got, want) {
			t.Fatalf("message %d: got %d bytes of type %v, want %d binary bytes unchanged", i, len(got), typ, len(want))
		}
	}
}

func TestRelayCarriesSixteenMiBMessages(t *testing.T) {
	checkLeaks(t)
	client, _ := newRelayPair(t, Config{})
	msg := bytes.Repeat([]byte{0xA5, 0x5A, 0x00}, (1<<24)/3)
	if err := client.Write(t.Context(), websocket.MessageBinary, msg); err != nil {
		t.Fatal(err)
	}
	_, got, err := client.Read(t.Context())
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("16 MiB round trip: %d bytes, err %v", len(got), err)
	}
}

func TestRelayPassesCloseCodesThrough(t *testing.T) {
	checkLeaks(t)
	client, _ := newRelayPair(t, Config{})
	if err := client.Write(t.Context(), websocket.MessageText, []byte("close 4001 bye")); err != nil {
		t.Fatal(err)
	}
	_, _, err := client.Read(t.Context())
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4001 || ce.Reason != "bye" {
		t.Fatalf("want close 4001 \"bye\" from upstream, got %v", err)
	}
}

func TestRelayRefusesForeignOrigins(t *testing.T) {
	checkLeaks(t)
	up := newEchoUpstream(t)
	ts, _ := newTestProxy(t, Config{Upstream: up.wsURL(), AllowedOrigins: []string{"https://shop.example", "http://localhost:*"}})
	for _, origin := range []string{"https://evil.example", "https://shop.example.evil", "http://shop.example", "null", ""} {
		_, resp, err := dialRelay(t, ts.URL, origin)
		if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("origin %q: want 403, got err %v", origin, err)
		}
	}
	for _, origin := range []string{"https://shop.example", "http://localhost:5173"} {
		c, _, err := dialRelay(t, ts.URL, origin)
		if err != nil {
			t.Errorf("origin %q is allowed but was refused: %v", origin, err)
			continue
		}
		// A round trip proves the session reached the upstream.
		if err := c.Write(t.Context(), websocket.MessageBinary, []byte{1}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Read(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	// Only the two allowed connections reached the upstream.
	if n := len(up.origins); n != 2 {
		t.Errorf("upstream got %d connections, want 2", n)
	}
}

func TestRelayUpstreamDownFailsTheHandshake(t *testing.T) {
	checkLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := ln.Addr().String()
	ln.Close()
	ts, srv := newTestProxy(t, Config{Upstream: "ws://" + deadAddr + "/ws/chat"})
	_, resp, err := dialRelay(t, ts.URL, ts.URL)
	wantUpstreamRefusal(t, resp, err, http.StatusBadGateway)
	eventually(t, "the refusal is counted", func() bool { return refusedCount(srv, refusedUpstreamDown) == 1 })
	eventually(t, "the slot is freed", func() bool { return srv.relay.admission.openConns() == 0 })
}

// wantUpstreamRefusal checks that a browser's handshake failed with status
// because the upstream could not be reached, saying so in the body.
func wantUpstreamRefusal(t *testing.T, resp *http.Response, err error, status int) {
	t.Helper()
	if err == nil || resp == nil {
		t.Fatalf("the handshake succeeded or got no answer (%v); want %d", err, status)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status || !strings.Contains(string(body), string(refusedUpstreamDown)) {
		t.Fatalf("browser got %s %q, want %d naming %s", resp.Status, body, status, refusedUpstreamDown)
	}
}

func TestRelayClientCloseReachesUpstream(t *testing.T) {
	checkLeaks(t)
	closed := make(chan error, 1)
	up := newEchoUpstream(t)
	up.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
		if err != nil {
			return
		}
		_, _, err = c.Read(context.Background())
		closed <- err
	})
	ts, _ := newTestProxy(t, Config{Upstream: up.wsURL()})
	client, _, err := dialRelay(t, ts.URL, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	client.Close(4002, "tab closed")
	select {
	case err := <-closed:
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != 4002 || ce.Reason != "tab closed" {
			t.Fatalf("upstream saw %v, want close 4002 \"tab closed\"", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("upstream never saw the close")
	}
}

func TestShutdownClosesSessionsGoingAway(t *testing.T) {
	checkLeaks(t)
	up := newEchoUpstream(t)
	ts, srv := newTestProxy(t, Config{Upstream: up.wsURL()})
	client, _, err := dialRelay(t, ts.URL, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	<-up.origins // the session is established
	read := make(chan error, 1)
	go func() { _, _, err := client.Read(context.Background()); read <- err }()
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	var ce websocket.CloseError
	if err := <-read; !errors.As(err, &ce) || ce.Code != websocket.StatusGoingAway {
		t.Fatalf("want close 1001 on shutdown, got %v", err)
	}
	if _, _, err := dialRelay(t, ts.URL, ts.URL); err == nil {
		t.Fatal("the proxy still accepts connections after shutdown")
	}
	// A request already being read when the listener closed is refused.
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, handshakeRequest("http://proxy.example"))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "shutting_down") {
		t.Fatalf("a handshake after shutdown got %d %q, want 503 shutting_down", rec.Code, rec.Body)
	}
}

// handshakeRequest is a browser's WebSocket handshake for /ws on
// proxy.example, from origin.
func handshakeRequest(origin string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://proxy.example/ws", nil)
	r.Header.Set("Origin", origin)
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Sec-WebSocket-Version", "13")
	r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	return r
}

func TestRelayKeepsBytesSentWithTheHandshake(t *testing.T) {
	checkLeaks(t)
	up := newEchoUpstream(t)
	ts, _ := newTestProxy(t, Config{Upstream: up.wsURL()})
	// A client that does not wait for the handshake response: its first
	// frame arrives with the request, and net/http reads it ahead.
	c := dialRaw(t, ts.URL, frame(true, opBinary, []byte("WA\x06\x03early"), true))
	_, op, p, err := c.readFrame()
	if err != nil || op != opBinary || string(p) != "WA\x06\x03early" {
		t.Fatalf("echo of the early frame: opcode %d %q, %v", op, p, err)
	}
}

func TestRelayForwardsFramesByteForByte(t *testing.T) {
	checkLeaks(t)
	// What each side sends: fragmented messages with a ping between the
	// fragments, an empty message, and a frame larger than the copy buffer.
	var fromBrowser, fromUpstream []byte
	for _, masked := range []bool{true, false} {
		var b []byte
		b = append(b, frame(false, opBinary, []byte("frag-1"), masked)...)
		b = append(b, frame(true, opPing, []byte("are you there"), masked)...)
		b = append(b, frame(false, opContinuation, bytes.Repeat([]byte{7}, 3000), masked)...)
		b = append(b, frame(true, opContinuation, []byte("frag-3"), masked)...)
		b = append(b, frame(true, opText, nil, masked)...)
		b = append(b, frame(true, opBinary, bytes.Repeat([]byte{9}, copyBufferSize*2+17), masked)...)
		if masked {
			fromBrowser = b
		} else {
			fromUpstream = b
		}
	}
	got := make(chan []byte, 1)
	upURL := newRawUpstream(t, func(c *rawConn) {
		buf := make([]byte, len(fromBrowser))
		if _, err := io.ReadFull(c.r, buf); err != nil {
			got <- nil
			return
		}
		got <- buf
		c.Write(fromUpstream)
		io.Copy(io.Discard, c.r)
	})
	ts, _ := newTestProxy(t, Config{Upstream: upURL})
	c := dialRaw(t, ts.URL, nil)
	if _, err := c.Write(fromBrowser); err != nil {
		t.Fatal(err)
	}
	if b := <-got; !bytes.Equal(b, fromBrowser) {
		t.Fatalf("the upstream got %d bytes, not the browser's %d bytes unchanged", len(b), len(fromBrowser))
	}
	buf := make([]byte, len(fromUpstream))
	if _, err := io.ReadFull(c.r, buf); err != nil || !bytes.Equal(buf, fromUpstream) {
		t.Fatalf("the browser got %d bytes (%v), not the upstream's %d bytes unchanged", len(buf), err, len(fromUpstream))
	}
}

func TestRelayRefusesBadHandshakes(t *testing.T) {
	checkLeaks(t)
	up := newEchoUpstream(t)
	ts, srv := newTestProxy(t, Config{Upstream: up.wsURL()})
	for _, tc := range []struct {
		name   string
		edit   func(*http.Request)
		status int
	}{
		{"plain GET", func(r *http.Request) { r.Header.Del("Upgrade"); r.Header.Del("Connection") }, http.StatusUpgradeRequired},
		{"old version", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Version", "8") }, http.StatusUpgradeRequired},
		{"bad key", func(r *http.Request) { r.Header.Set("Sec-WebSocket-Key", "short") }, http.StatusBadRequest},
		{"POST", func(r *http.Request) { r.Method = http.MethodPost }, http.StatusMethodNotAllowed},
	} {
		r := handshakeRequest(ts.URL)
		r.URL, r.RequestURI, r.Host = mustParse(t, ts.URL+"/ws"), "", ""
		tc.edit(r)
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: got %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
	}
	if n := refusedCount(srv, refusedHandshake); n != 4 {
		t.Errorf("refused{bad_handshake} = %v, want 4", n)
	}
	if len(up.origins) != 0 {
		t.Error("a bad handshake reached the upstream")
	}
}

func mustParse(t testing.TB, raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestRelayPassesPingsThrough(t *testing.T) {
	checkLeaks(t)
	pong := make(chan string, 1)
	upURL := newRawUpstream(t, func(c *rawConn) {
		c.Write(frame(true, opPing, []byte("upstream ping"), false))
		_, op, p, err := c.readFrame()
		if err != nil || op != opPong {
			report(pong, fmt.Sprintf("opcode %d, %v", op, err))
			return
		}
		report(pong, string(p))
		io.Copy(io.Discard, c.r)
	})
	ts, _ := newTestProxy(t, Config{Upstream: upURL})
	c, _, err := dialRelay(t, ts.URL, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	// coder/websocket answers pings while it reads.
	go c.Read(context.Background())
	if got := <-pong; got != "upstream ping" {
		t.Fatalf("upstream got %q, want the browser's pong to its ping", got)
	}
}
