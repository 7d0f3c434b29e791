//go:build js

package websocket

import (
	"errors"
	"net"
	"testing"
	"time"
)

func TestPeerCloseCodeAndReason(t *testing.T) {
	c := dialEcho(t)
	ctx := testContext(t)
	// A message sent before the close command is still delivered, then the
	// peer's close code and reason.
	if err := c.Write(ctx, MessageBinary, []byte("before")); err != nil {
		t.Fatal(err)
	}
	if err := c.Write(ctx, MessageText, []byte("close 4001 bye")); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.Read(ctx); err != nil || string(got) != "before" {
		t.Fatalf("first Read = %q, %v; want \"before\"", got, err)
	}
	_, _, err := c.Read(ctx)
	var ce CloseError
	if !errors.As(err, &ce) || ce != (CloseError{Code: 4001, Reason: "bye"}) {
		t.Fatalf("Read after peer close: err = %#v, want CloseError{4001, \"bye\"}", err)
	}
	if CloseStatus(err) != 4001 {
		t.Fatalf("CloseStatus = %d, want 4001", CloseStatus(err))
	}
	// The close is sticky and the socket has been released.
	if _, _, err2 := c.Read(ctx); CloseStatus(err2) != 4001 {
		t.Fatalf("second Read after close: %v", err2)
	}
	if err := c.Write(ctx, MessageBinary, []byte("x")); CloseStatus(err) != 4001 {
		t.Fatalf("Write after peer close: err = %v, want the peer's CloseError", err)
	}
	assertReleased(t, c)
}

func TestPeerCloseNormal(t *testing.T) {
	c := dialEcho(t)
	ctx := testContext(t)
	if err := c.Write(ctx, MessageText, []byte("close 1000 done")); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.Read(ctx)
	if CloseStatus(err) != StatusNormalClosure {
		t.Fatalf("Read: %v, want status 1000", err)
	}
}

func TestCloseStatus(t *testing.T) {
	if got := CloseStatus(nil); got != -1 {
		t.Fatalf("CloseStatus(nil) = %d", got)
	}
	if got := CloseStatus(errors.New("x")); got != -1 {
		t.Fatalf("CloseStatus(plain error) = %d", got)
	}
	wrapped := errors.Join(errors.New("ctx"), CloseError{Code: StatusGoingAway, Reason: "r"})
	if got := CloseStatus(wrapped); got != StatusGoingAway {
		t.Fatalf("CloseStatus(wrapped) = %d", got)
	}
	if s := (CloseError{Code: 4001, Reason: "bye"}).Error(); s != `status = 4001 and reason = "bye"` {
		t.Fatalf("CloseError.Error() = %q", s)
	}
}

func TestOpsAfterClose(t *testing.T) {
	c := dialEcho(t)
	ctx := testContext(t)
	// An unread message is discarded by Close.
	if err := c.Write(ctx, MessageBinary, []byte("unread")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := c.Close(StatusNormalClosure, "done"); err != nil {
		t.Fatalf("Close: %v", err)
	}
	t.Logf("close handshake took %v", time.Since(start))
	if readyState(c) != 3 {
		t.Fatalf("readyState after Close = %d, want 3 (CLOSED)", readyState(c))
	}
	if _, _, err := c.Read(ctx); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read after Close: %v, want net.ErrClosed", err)
	}
	if err := c.Write(ctx, MessageBinary, []byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write after Close: %v, want net.ErrClosed", err)
	}
	if err := c.Close(StatusNormalClosure, ""); err == nil {
		t.Fatal("second Close succeeded")
	}
	if err := c.CloseNow(); err == nil {
		t.Fatal("CloseNow after Close succeeded")
	}
	c.SetReadLimit(10) // must not panic
	assertReleased(t, c)
}

func TestCloseNow(t *testing.T) {
	c := dialEcho(t)
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
	select {
	case err := <-readErr:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("blocked Read returned %v, want net.ErrClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("CloseNow did not unblock a pending Read")
	}
	if err := c.Write(ctx, MessageBinary, nil); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write after CloseNow: %v", err)
	}
	if err := c.CloseNow(); err == nil {
		t.Fatal("second CloseNow succeeded")
	}
	assertReleased(t, c)
	waitReadyState(t, c, 3, 5*time.Second)
}

// TestCloseCodeBrowserCannotSend: Close with a code a browser refuses to
// send still closes cleanly instead of failing.
func TestCloseCodeBrowserCannotSend(t *testing.T) {
	c := dialEcho(t)
	if err := c.Close(StatusGoingAway, "leaving"); err != nil {
		t.Fatalf("Close(StatusGoingAway): %v", err)
	}
	if readyState(c) != 3 {
		t.Fatalf("readyState = %d, want 3", readyState(c))
	}
}

// assertReleased checks that the browser can no longer call into Go.
func assertReleased(t *testing.T, c *Conn) {
	t.Helper()
	c.mu.Lock()
	n, torn := len(c.funcs), c.tornDown
	c.mu.Unlock()
	if !torn || n != 0 {
		t.Fatalf("after close: tornDown = %v, %d js.Funcs still held", torn, n)
	}
	for _, h := range []string{"onopen", "onmessage", "onclose"} {
		if !c.ws.Get(h).IsNull() {
			t.Fatalf("handler %s still attached", h)
		}
	}
}
