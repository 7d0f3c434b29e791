//go:build js

package websocket

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

func TestReadLimit(t *testing.T) {
	c := dialEcho(t)
	ctx := testContext(t)
	c.SetReadLimit(1024)
	exact := bytes.Repeat([]byte{'a'}, 1024)
	if err := c.Write(ctx, MessageBinary, exact); err != nil {
		t.Fatal(err)
	}
	if err := c.Write(ctx, MessageBinary, bytes.Repeat([]byte{'b'}, 1025)); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.Read(ctx); err != nil || !bytes.Equal(got, exact) {
		t.Fatalf("Read at the limit = %d bytes, %v", len(got), err)
	}
	_, got, err := c.Read(ctx)
	if err == nil {
		t.Fatalf("Read over the limit returned %d bytes", len(got))
	}
	if CloseStatus(err) != StatusMessageTooBig {
		t.Fatalf("Read over the limit: %v, CloseStatus = %d, want %d", err, CloseStatus(err), StatusMessageTooBig)
	}
	if err := c.Write(ctx, MessageBinary, []byte("x")); err == nil {
		t.Fatal("Write after the read limit was hit succeeded")
	}
	waitReadyState(t, c, 3, 5*time.Second)
	assertReleased(t, c)
	if err := c.CloseNow(); err == nil {
		t.Fatal("CloseNow after the read limit closed the connection succeeded")
	}
}

func TestReadLimitText(t *testing.T) {
	c := dialEcho(t)
	ctx := testContext(t)
	c.SetReadLimit(8)
	if err := c.Write(ctx, MessageText, []byte("ééééé")); err != nil { // 10 bytes, 5 UTF-16 units
		t.Fatal(err)
	}
	if _, got, err := c.Read(ctx); CloseStatus(err) != StatusMessageTooBig {
		t.Fatalf("Read of 10 byte text with limit 8 = %q, %v", got, err)
	}
}

func TestDefaultReadLimitAndDisable(t *testing.T) {
	c := dialEcho(t)
	ctx := testContext(t)
	if err := c.Write(ctx, MessageBinary, make([]byte, defaultReadLimit+1)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Read(ctx); CloseStatus(err) != StatusMessageTooBig {
		t.Fatalf("default limit not enforced: %v", err)
	}

	c = dialEcho(t)
	c.SetReadLimit(-1)
	big := make([]byte, 3<<20)
	if err := c.Write(ctx, MessageBinary, big); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.Read(ctx); err != nil || len(got) != len(big) {
		t.Fatalf("unlimited Read = %d bytes, %v", len(got), err)
	}
}

func TestReadContextCancel(t *testing.T) {
	c := dialEcho(t)
	ctx, cancel := contextWithTimeout(100 * time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := c.Read(ctx)
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("Read with an expiring context returned no error")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Read error %v does not report the context", err)
	}
	if elapsed > time.Second {
		t.Fatalf("Read returned %v after the deadline, want promptly", elapsed)
	}
	// Like coder/websocket, a cancelled Read closes the connection.
	if err := c.Write(testContext(t), MessageBinary, []byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write after a cancelled Read: %v, want net.ErrClosed", err)
	}
	waitReadyState(t, c, 3, 5*time.Second)
	assertReleased(t, c)
}
