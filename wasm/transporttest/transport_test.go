//go:build js

package transporttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// TestDialWhatsAppLandsOnRelay dials whatsmeow's URL twice (whatsmeow
// redials) and talks through it as FrameSocket does: the echo behind the
// proxy's relay answers, so the dial went there and not to WhatsApp.
func TestDialWhatsAppLandsOnRelay(t *testing.T) {
	ctx := testContext(t)
	for i := range 2 {
		c, ws := dialWhatsApp(t)
		if got := ws.Get("url").String(); got != relayURL {
			t.Fatalf("dial %d: browser socket url = %q, want the relay %q", i, got, relayURL)
		}
		msg := []byte{'W', 'A', 6, 3, 0, 0, 1, byte(i)}
		if err := c.Write(ctx, websocket.MessageBinary, msg); err != nil {
			t.Fatalf("Write: %v", err)
		}
		if typ, got, err := c.Read(ctx); err != nil || typ != websocket.MessageBinary || !bytes.Equal(got, msg) {
			t.Fatalf("Read = %d %q %v, want %q", typ, got, err, msg)
		}
		if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if rs := ws.Get("readyState").Int(); rs != closed {
			t.Fatalf("readyState after Close = %d, want %d", rs, closed)
		}
	}
}

func TestBinaryRoundTrip(t *testing.T) {
	c, _ := dialWhatsApp(t)
	ctx := testContext(t)
	for _, n := range []int{0, 1, 125, 126, 65535, 65536, 1 << 20} {
		want := randomBytes(n, uint64(n))
		if err := c.Write(ctx, websocket.MessageBinary, want); err != nil {
			t.Fatalf("Write(%d bytes): %v", n, err)
		}
		typ, got, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("Read(%d bytes): %v", n, err)
		}
		if typ != websocket.MessageBinary || !bytes.Equal(got, want) {
			t.Fatalf("%d bytes: got type %d, %d bytes, different content", n, typ, len(got))
		}
	}
}

func TestManyMessagesKeepBoundariesAndOrder(t *testing.T) {
	c, _ := dialWhatsApp(t)
	ctx := testContext(t)
	const count = 500
	msgs := make([][]byte, count)
	for i := range msgs {
		msgs[i] = append(randomBytes(i%37, uint64(i)), fmt.Sprint(i)...)
	}
	// Everything first, so that the echoes arrive back to back.
	for i, m := range msgs {
		if err := c.Write(ctx, websocket.MessageBinary, m); err != nil {
			t.Fatalf("Write %d: %v", i, err)
		}
	}
	for i, want := range msgs {
		typ, got, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("Read %d: %v", i, err)
		}
		if typ != websocket.MessageBinary || !bytes.Equal(got, want) {
			t.Fatalf("message %d: got type %d %q, want %q", i, typ, got, want)
		}
	}
}

func TestTextRoundTrip(t *testing.T) {
	c, _ := dialWhatsApp(t)
	ctx := testContext(t)
	for _, s := range []string{"hello", "", "héllo wörld ✓ 😀"} {
		if err := c.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
			t.Fatalf("Write(%q): %v", s, err)
		}
		if typ, got, err := c.Read(ctx); err != nil || typ != websocket.MessageText || string(got) != s {
			t.Fatalf("Read = %d %q %v, want text %q", typ, got, err, s)
		}
	}
}

// TestReadLimit: a message over the limit is an error, not a panic, and
// coder/websocket's Close(1009) really closes the socket.
func TestReadLimit(t *testing.T) {
	c, ws := dialWhatsApp(t)
	ctx := testContext(t)
	c.SetReadLimit(1024)
	exact := bytes.Repeat([]byte{'a'}, 1024)
	if err := c.Write(ctx, websocket.MessageBinary, exact); err != nil {
		t.Fatal(err)
	}
	if err := c.Write(ctx, websocket.MessageBinary, bytes.Repeat([]byte{'b'}, 1025)); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.Read(ctx); err != nil || !bytes.Equal(got, exact) {
		t.Fatalf("Read at the limit = %d bytes, %v", len(got), err)
	}
	_, got, err := c.Read(ctx)
	if !errors.Is(err, websocket.ErrMessageTooBig) {
		t.Fatalf("Read over the limit = %d bytes, %v; want ErrMessageTooBig", len(got), err)
	}
	waitReadyState(t, ws, closed, 5*time.Second)
	if _, _, err := c.Read(ctx); err == nil {
		t.Fatal("Read after the limit closed the connection succeeded")
	}
	if err := c.Write(ctx, websocket.MessageBinary, []byte("x")); err == nil {
		t.Fatal("Write after the limit closed the connection succeeded")
	}
}

// TestPeerCloseCodeAndReason: the upstream's close code and reason come
// through the relay to the browser, after the messages sent before them,
// and Read then fails. coder/websocket's js build does not pass the code
// on: its Read returns net.ErrClosed, so CloseStatus is -1 (nothing in the
// app or whatsmeow asks for it); a CloseError with the peer's code is
// accepted too, should a later version report it.
func TestPeerCloseCodeAndReason(t *testing.T) {
	for _, code := range []websocket.StatusCode{1000, 1001, 1011, 1014, 4001} {
		c, ws := dialWhatsApp(t)
		ctx := testContext(t)
		reason := fmt.Sprint("bye ", code)
		if err := c.Write(ctx, websocket.MessageBinary, []byte("before")); err != nil {
			t.Fatal(err)
		}
		if err := c.Write(ctx, websocket.MessageText, fmt.Appendf(nil, "close %d %s", code, reason)); err != nil {
			t.Fatal(err)
		}
		if _, got, err := c.Read(ctx); err != nil || string(got) != "before" {
			t.Fatalf("first Read = %q, %v; want \"before\"", got, err)
		}
		_, _, err := c.Read(ctx)
		if !errors.Is(err, net.ErrClosed) && websocket.CloseStatus(err) != code {
			t.Fatalf("Read after the peer closed with %d: %v, want net.ErrClosed or its CloseError", code, err)
		}
		waitReadyState(t, ws, closed, 5*time.Second)
		ev := ws.Get("closeEvent")
		if got := websocket.StatusCode(ev.Get("code").Int()); got != code || ev.Get("reason").String() != reason {
			t.Fatalf("the browser's close event: code %d reason %q, want %d %q", got, ev.Get("reason").String(), code, reason)
		}
		if err := c.Write(ctx, websocket.MessageBinary, []byte("x")); err == nil {
			t.Fatal("Write after the peer closed succeeded")
		}
	}
}

// TestCloseNowCloses: whatsmeow's FrameSocket.Close(0) calls CloseNow,
// which sends 1001; the socket must really close and a blocked Read end.
func TestCloseNowCloses(t *testing.T) {
	c, ws := dialWhatsApp(t)
	ctx := testContext(t)
	readErr := make(chan error, 1)
	go func() {
		_, _, err := c.Read(ctx)
		readErr <- err
	}()
	time.Sleep(20 * time.Millisecond) // let the reader block
	if err := c.CloseNow(); err != nil {
		t.Fatalf("CloseNow: %v", err)
	}
	if rs := ws.Get("readyState").Int(); rs != closed {
		t.Fatalf("readyState after CloseNow = %d, want %d", rs, closed)
	}
	select {
	case err := <-readErr:
		if err == nil {
			t.Fatal("blocked Read returned no error")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("CloseNow did not unblock a pending Read")
	}
	if err := c.Write(ctx, websocket.MessageBinary, nil); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write after CloseNow: %v, want net.ErrClosed", err)
	}
	if err := c.CloseNow(); err == nil {
		t.Fatal("second CloseNow succeeded")
	}
}

// TestCloseInternalErrorCloses: Close(1011), as coder/websocket's own
// error path sends it, closes the socket too.
func TestCloseInternalErrorCloses(t *testing.T) {
	c, ws := dialWhatsApp(t)
	if err := c.Close(websocket.StatusInternalError, "something went wrong"); err != nil {
		t.Fatalf("Close(1011): %v", err)
	}
	if rs := ws.Get("readyState").Int(); rs != closed {
		t.Fatalf("readyState after Close(1011) = %d, want %d", rs, closed)
	}
}

// TestDialClosedPort: a dial nothing answers fails at once, without
// hanging the page in coder/websocket's error handler.
func TestDialClosedPort(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws://127.0.0.1:2/", nil)
	if err == nil {
		c.CloseNow()
		t.Fatal("dial to a closed port succeeded")
	}
	if c != nil || resp != nil {
		t.Fatalf("failed dial returned conn %v, response %v", c, resp)
	}
	if ctx.Err() != nil {
		t.Fatalf("dial failed only by timeout: %v", err)
	}
	t.Logf("Dial: %v", err)
}

// TestDialUnreachableUpstream: a relay that cannot reach WhatsApp refuses
// the handshake (502), and the dial fails at once.
func TestDialUnreachableUpstream(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	c, _, err := websocket.Dial(ctx, deadRelay, nil)
	if err == nil {
		c.CloseNow()
		t.Fatal("dial through a relay whose upstream is down succeeded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the refused dial took %v", d)
	}
	t.Logf("Dial: %v", err)
}

// TestDialCancelledContext: a dial whose context ends before the socket
// opens returns the context's error, and the browser socket it started is
// closed rather than left to open.
func TestDialCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n := socketsMade()
	if c, _, err := websocket.Dial(ctx, whatsAppURL, nil); !errors.Is(err, context.Canceled) {
		if c != nil {
			c.CloseNow()
		}
		t.Fatalf("Dial with a cancelled context: err = %v, want context.Canceled", err)
	}
	waitReadyState(t, socket(n), closed, 5*time.Second)

	// Cancelled while connecting: the handshake cannot finish before the
	// browser's event loop runs, and cancel runs before that.
	ctx, cancel = context.WithCancel(context.Background())
	go cancel()
	n = socketsMade()
	c, _, err := websocket.Dial(ctx, whatsAppURL, nil)
	if !errors.Is(err, context.Canceled) {
		if c != nil {
			c.CloseNow()
		}
		t.Fatalf("Dial cancelled while connecting: err = %v, want context.Canceled", err)
	}
	waitReadyState(t, socket(n), closed, 5*time.Second)
}

// TestReadContextCancel: a Read whose context ends returns promptly with
// the context's error; like the native coder/websocket, that closes the
// connection (with 1008, which only the script makes possible).
func TestReadContextCancel(t *testing.T) {
	c, ws := dialWhatsApp(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := c.Read(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Read with an expiring context: %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Read returned %v after the deadline, want promptly", d)
	}
	waitReadyState(t, ws, closed, 5*time.Second)
}

func TestConcurrentWritersAndReader(t *testing.T) {
	c, ws := dialWhatsApp(t)
	ctx := testContext(t)
	const writers, each = 4, 200

	type result struct {
		got map[int][]int
		err error
	}
	done := make(chan result, 1)
	go func() {
		got := map[int][]int{}
		for range writers * each {
			_, m, err := c.Read(ctx)
			if err != nil {
				done <- result{err: err}
				return
			}
			var w, seq int
			if _, err := fmt.Sscanf(string(m), "w%d-%d", &w, &seq); err != nil {
				done <- result{err: fmt.Errorf("bad message %q", m)}
				return
			}
			got[w] = append(got[w], seq)
		}
		done <- result{got: got}
	}()

	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for seq := range each {
				if err := c.Write(ctx, websocket.MessageBinary, fmt.Appendf(nil, "w%d-%d", w, seq)); err != nil {
					errs <- err
					return
				}
				if seq%50 == 0 {
					time.Sleep(time.Millisecond) // let the browser run mid-stream
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Write: %v", err)
	}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	for w := range writers {
		if len(r.got[w]) != each {
			t.Fatalf("writer %d: %d messages came back, want %d", w, len(r.got[w]), each)
		}
		for i, seq := range r.got[w] {
			if seq != i {
				t.Fatalf("writer %d: message %d has sequence %d (out of order)", w, i, seq)
			}
		}
	}

	// Now close while a reader is blocked and writers are still writing.
	readErr := make(chan error, 1)
	go func() {
		for {
			if _, _, err := c.Read(ctx); err != nil {
				readErr <- err
				return
			}
		}
	}()
	stop := make(chan struct{})
	var wg2 sync.WaitGroup
	for range writers {
		wg2.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := c.Write(ctx, websocket.MessageBinary, []byte("late")); err != nil {
					return
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	if err := c.CloseNow(); err != nil {
		t.Fatalf("CloseNow with concurrent users: %v", err)
	}
	close(stop)
	wg2.Wait()
	select {
	case <-readErr:
	case <-time.After(5 * time.Second):
		t.Fatal("CloseNow did not unblock the reader")
	}
	waitReadyState(t, ws, closed, 5*time.Second)
}
