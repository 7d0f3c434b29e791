package proxy

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// Abuse cases: the proxy must refuse or end the session, stay up, and give
// back every goroutine, file and byte of memory it used.

func TestForeignOriginIsRefusedLoggedAndCounted(t *testing.T) {
	checkLeaks(t)
	var logs logBuffer
	up := newEchoUpstream(t)
	ts, srv := newTestProxyLog(t, Config{Upstream: up.wsURL()}, logs.logger())
	for range 3 {
		if _, resp, err := dialRelay(t, ts.URL, "https://evil.example"); err == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("want 403, got %v", err)
		}
	}
	if n := refusedCount(srv, refusedOrigin); n != 3 {
		t.Errorf("refused{origin} = %v, want 3", n)
	}
	if n := strings.Count(logs.String(), "reason=origin"); n != 3 {
		t.Errorf("%d refusals logged with reason=origin, want 3:\n%s", n, logs.String())
	}
	if len(up.origins) != 0 {
		t.Error("a refused connection reached the upstream")
	}
	stillServes(t, ts.URL)
}

// stillServes checks that the proxy relays a fresh session to an echoing
// upstream.
func stillServes(t testing.TB, proxyURL string) {
	t.Helper()
	c, _, err := dialRelay(t, proxyURL, proxyURL)
	if err != nil {
		t.Fatalf("the proxy no longer accepts sessions: %v", err)
	}
	roundTrip(t, c, []byte("still there"))
	c.Close(websocket.StatusNormalClosure, "")
}

// echoFrames echoes frames back unmasked, as a server, until it has echoed
// a close frame or failed, and reports what ended it and how many payload
// bytes came first.
func echoFrames(c *rawConn) string {
	data := 0
	for {
		_, op, p, err := c.readFrame()
		if err != nil {
			return fmt.Sprintf("%v after %d bytes", err, data)
		}
		c.Write(frame(true, op, p, false))
		switch {
		case op == opClose && len(p) >= 2:
			return fmt.Sprintf("close %d after %d bytes", binary.BigEndian.Uint16(p), data)
		case op == opClose:
			return fmt.Sprintf("close after %d bytes", data)
		}
		data += len(p)
	}
}

// report sends s unless the channel is full: later connections of the
// same upstream must not block on a test that stopped listening.
func report(ch chan<- string, s string) {
	select {
	case ch <- s:
	default:
	}
}

func TestOversizedMessageIsRefused(t *testing.T) {
	checkHeapReturns(t, 4<<20)
	checkLeaks(t)
	const limit = 64 << 10
	upstreamSaw := make(chan string, 1)
	upURL := newRawUpstream(t, func(c *rawConn) { report(upstreamSaw, echoFrames(c)) })
	ts, srv := newTestProxy(t, Config{Upstream: upURL, MaxMessage: limit})

	c, _, err := dialRelay(t, ts.URL, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, make([]byte, limit)) // exactly the limit passes
	// One byte more is refused before any of it is forwarded.
	go c.Write(context.Background(), websocket.MessageBinary, make([]byte, limit+1))
	if ce := closeStatus(t, c); ce.Code != websocket.StatusMessageTooBig {
		t.Fatalf("browser got %v, want close 1009", ce)
	}
	if got, want := <-upstreamSaw, fmt.Sprintf("close 1001 after %d bytes", limit); got != want {
		t.Errorf("upstream saw %q, want %q", got, want)
	}
	waitEnded(t, srv, endTooBig, 1)
	stillServes(t, ts.URL)
}

func TestSlowReaderIsBounded(t *testing.T) {
	checkHeapReturns(t, 8<<20)
	checkLeaks(t)
	up := newEchoUpstream(t)
	ts, srv := newTestProxy(t, Config{Upstream: up.wsURL(), WriteTimeout: 300 * time.Millisecond})
	c, _, err := dialRelay(t, ts.URL, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	// The browser sends and never reads. Its echoes back up through the
	// relay to the upstream and back to the browser's writes, which then
	// block until the relay gives up on the stalled session.
	var pushed int64
	var maxBuffers int64
	msg := make([]byte, 1<<20)
	for {
		if b := srv.relay.buffersInUse.Load(); b > maxBuffers {
			maxBuffers = b
		}
		if err := c.Write(context.Background(), websocket.MessageBinary, msg); err != nil {
			break
		}
		pushed += int64(len(msg))
		if pushed > 1<<30 {
			t.Fatal("the relay took 1 GiB from a browser that reads nothing")
		}
	}
	// What got through is what kernel socket buffers along the way hold:
	// a few MiB per socket, not the proxy.
	t.Logf("pushed %d MiB before the stall ended the session", pushed>>20)
	if pushed > 128<<20 {
		t.Errorf("pushed %d MiB into a stalled session", pushed>>20)
	}
	if maxBuffers > 2 {
		t.Errorf("a session held %d copy buffers, at most 2 expected", maxBuffers)
	}
	waitEnded(t, srv, endClientStalled, 1)
	eventually(t, "copy buffers are returned", func() bool { return srv.relay.buffersInUse.Load() == 0 })
	stillServes(t, ts.URL)
}

func TestSlowlorisHandshakeIsCutOff(t *testing.T) {
	checkLeaks(t)
	up := newEchoUpstream(t)
	ts, _ := newTestProxy(t, Config{Upstream: up.wsURL(), HandshakeTimeout: 300 * time.Millisecond})
	addr := strings.TrimPrefix(ts.URL, "http://")
	const clients = 20
	var wg sync.WaitGroup
	var cutOff atomic.Int32
	for i := range clients {
		wg.Go(func() {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			// Half the clients trickle a header line every 50 ms, the
			// others send nothing at all.
			if i%2 == 0 {
				go func() {
					io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: "+addr+"\r\n")
					for {
						time.Sleep(50 * time.Millisecond) // pacing the attack, not synchronisation
						if _, err := io.WriteString(conn, "X-Slow: 1\r\n"); err != nil {
							return
						}
					}
				}()
			}
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, err := conn.Read(make([]byte, 1)); err == nil || isTimeout(err) {
				t.Errorf("client %d: connection still open (%v)", i, err)
				return
			}
			cutOff.Add(1)
		})
	}
	wg.Wait()
	if n := cutOff.Load(); n != clients {
		t.Fatalf("%d of %d slow clients were cut off", n, clients)
	}
	stillServes(t, ts.URL)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestUpstreamThatHangsInTheHandshake(t *testing.T) {
	checkLeaks(t)
	upURL := newTCPUpstream(t, func(conn net.Conn) { io.Copy(io.Discard, conn) })
	ts, srv := newTestProxy(t, Config{Upstream: upURL, DialTimeout: 300 * time.Millisecond})
	_, resp, err := dialRelay(t, ts.URL, ts.URL)
	wantUpstreamRefusal(t, resp, err, http.StatusGatewayTimeout)
	eventually(t, "the refusal is counted", func() bool { return refusedCount(srv, refusedUpstreamDown) == 1 })
	eventually(t, "the slot is freed", func() bool { return srv.relay.admission.openConns() == 0 })
}

func TestBrowserThatLeavesDuringTheDialFreesItsSlot(t *testing.T) {
	checkLeaks(t)
	upURL := newTCPUpstream(t, func(conn net.Conn) { io.Copy(io.Discard, conn) })
	ts, srv := newTestProxy(t, Config{Upstream: upURL, DialTimeout: time.Minute})
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/ws", &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {ts.URL}},
	})
	if err == nil {
		t.Fatal("the handshake succeeded through an upstream that never answers")
	}
	// The dial is given up with the browser, long before its own timeout.
	eventually(t, "the slot is freed", func() bool { return srv.relay.admission.openConns() == 0 })
	eventually(t, "the refusal is counted", func() bool { return refusedCount(srv, refusedUpstreamDown) == 1 })
}

func TestUpstreamThatGoesSilentIsDroppedWhenIdle(t *testing.T) {
	checkLeaks(t)
	upstreamSaw := make(chan string, 1)
	// The upstream reads but never answers.
	upURL := newRawUpstream(t, func(c *rawConn) {
		for {
			_, op, p, err := c.readFrame()
			if err != nil || op == opClose {
				report(upstreamSaw, closeText(op, p, err))
				return
			}
		}
	})
	ts, srv := newTestProxy(t, Config{Upstream: upURL, IdleTimeout: 300 * time.Millisecond})
	c, _, err := dialRelay(t, ts.URL, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Write(t.Context(), websocket.MessageBinary, []byte("hello?")); err != nil {
		t.Fatal(err)
	}
	if ce := closeStatus(t, c); ce.Code != websocket.StatusGoingAway || ce.Reason != "idle timeout" {
		t.Fatalf("browser got %v, want 1001 idle timeout", ce)
	}
	if got := <-upstreamSaw; got != "close 1001 idle timeout" {
		t.Errorf("upstream saw %q, want close 1001 idle timeout", got)
	}
	waitEnded(t, srv, endIdle, 1)
}

func closeText(op byte, p []byte, err error) string {
	switch {
	case err != nil:
		return err.Error()
	case op != opClose || len(p) < 2:
		return fmt.Sprintf("opcode %d, %d bytes", op, len(p))
	}
	return fmt.Sprintf("close %d %s", binary.BigEndian.Uint16(p), p[2:])
}

func TestUpstreamThatStopsReadingIsDropped(t *testing.T) {
	checkHeapReturns(t, 8<<20)
	checkLeaks(t)
	release := make(chan struct{})
	upURL := newRawUpstream(t, func(c *rawConn) { <-release })
	ts, srv := newTestProxy(t, Config{Upstream: upURL, WriteTimeout: 300 * time.Millisecond})
	t.Cleanup(func() { close(release) })
	c, _, err := dialRelay(t, ts.URL, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	// The browser reads, to see the close frame, while it pushes.
	closed := make(chan error, 1)
	go func() {
		_, _, err := c.Read(context.Background())
		closed <- err
	}()
	msg := make([]byte, 1<<20)
	for pushed := 0; ; pushed += len(msg) {
		if err := c.Write(context.Background(), websocket.MessageBinary, msg); err != nil {
			break
		}
		if pushed > 1<<30 {
			t.Fatal("the relay took 1 GiB for an upstream that reads nothing")
		}
	}
	var ce websocket.CloseError
	if err := <-closed; !errors.As(err, &ce) || ce.Code != websocket.StatusBadGateway || ce.Reason != "upstream stopped reading" {
		t.Fatalf("browser got %v, want 1014 upstream stopped reading", err)
	}
	waitEnded(t, srv, endUpstreamStalled, 1)
	eventually(t, "copy buffers are returned", func() bool { return srv.relay.buffersInUse.Load() == 0 })
}

func TestUpstreamThatResets(t *testing.T) {
	checkLeaks(t)
	// One upstream resets in the handshake, the other mid-session.
	resetAtOnce := newTCPUpstream(t, resetConn)
	ts, srv := newTestProxy(t, Config{Upstream: resetAtOnce})
	_, resp, err := dialRelay(t, ts.URL, ts.URL)
	wantUpstreamRefusal(t, resp, err, http.StatusBadGateway)
	eventually(t, "the refusal is counted", func() bool { return refusedCount(srv, refusedUpstreamDown) == 1 })

	resetLater := newRawUpstream(t, func(c *rawConn) {
		c.readFrame()
		resetConn(c.Conn)
	})
	ts, srv = newTestProxy(t, Config{Upstream: resetLater})
	c, _, err := dialRelay(t, ts.URL, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Write(t.Context(), websocket.MessageBinary, []byte("boom")); err != nil {
		t.Fatal(err)
	}
	if ce := closeStatus(t, c); ce.Code != websocket.StatusBadGateway || ce.Reason != "upstream connection lost" {
		t.Fatalf("reset mid-session: browser got %v, want 1014 upstream connection lost", ce)
	}
	waitEnded(t, srv, endUpstream, 1)
}

// resetConn drops conn with a TCP reset rather than a clean close.
func resetConn(conn net.Conn) {
	conn.(*net.TCPConn).SetLinger(0)
	conn.Close()
}

func TestRapidConnectDisconnect(t *testing.T) {
	checkHeapReturns(t, 4<<20)
	checkLeaks(t)
	upURL := newRawUpstream(t, func(c *rawConn) { echoFrames(c) })
	ts, srv := newTestProxy(t, Config{Upstream: upURL, ConnRate: 1e9, ConnBurst: 1 << 30, MaxConnsPerIP: 1 << 20, DialRate: 1e9, DialBurst: 1 << 30})
	const workers = 8
	var wg sync.WaitGroup
	var failed atomic.Int32
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			for i := w; i < rapidCycles; i += workers {
				if err := connectDisconnect(ts.URL, i%2 == 0); err != nil {
					failed.Add(1)
					t.Errorf("cycle %d: %v", i, err)
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d connect/disconnect cycles in %v", rapidCycles, time.Since(start).Round(time.Millisecond))
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d of %d cycles failed", n, rapidCycles)
	}
	eventually(t, "every session ends", func() bool { return srv.relay.admission.openConns() == 0 })
	var ended float64
	for _, r := range endReasons {
		ended += endedCount(srv, r)
	}
	if accepted := testutil.ToFloat64(srv.relay.metrics.accepted); accepted != rapidCycles || ended != rapidCycles {
		t.Errorf("accepted %v and ended %v sessions, want %d each", accepted, ended, rapidCycles)
	}
	stillServes(t, ts.URL)
}

// connectDisconnect opens a session as a browser and ends it at once:
// cleanly with a close handshake, or by dropping the connection. It speaks
// the protocol by hand, so the cycle costs little beyond the proxy's part.
func connectDisconnect(proxyURL string, clean bool) error {
	addr := strings.TrimPrefix(proxyURL, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET /ws HTTP/1.1\r\nHost: " + addr + "\r\nOrigin: " + proxyURL +
		"\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		return err
	}
	c := &rawConn{Conn: conn, r: bufio.NewReader(conn)}
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return fmt.Errorf("handshake answered %s", resp.Status)
	}
	if !clean {
		return nil
	}
	if _, err := conn.Write(frame(true, opClose, closePayload(1000, ""), true)); err != nil {
		return err
	}
	if code, _, err := c.readClose(); err != nil || code != 1000 {
		return fmt.Errorf("close handshake: code %d, %v", code, err)
	}
	return nil
}
