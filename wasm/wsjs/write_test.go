//go:build js

package websocket

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

// TestWriteBackpressure writes much more than the high-water mark without
// pausing. The browser only drains its send buffer when Go yields, so
// without backpressure bufferedAmount would climb to the total.
func TestWriteBackpressure(t *testing.T) {
	old := writeHighWater
	writeHighWater = 256 << 10
	defer func() { writeHighWater = old }()

	c := dialEcho(t)
	c.SetReadLimit(1 << 20)
	ctx := testContext(t)
	const count, size = 48, 128 << 10 // 6 MiB in total

	readDone := make(chan error, 1)
	go func() {
		for i := range count {
			_, got, err := c.Read(ctx)
			if err != nil {
				readDone <- fmt.Errorf("Read %d: %w", i, err)
				return
			}
			if len(got) != size || binary.BigEndian.Uint32(got) != uint32(i) || !bytes.Equal(got[4:], randomBytes(size, uint64(i))[4:]) {
				readDone <- fmt.Errorf("message %d came back wrong (%d bytes)", i, len(got))
				return
			}
		}
		readDone <- nil
	}()

	maxSeen := 0
	for i := range count {
		msg := randomBytes(size, uint64(i))
		binary.BigEndian.PutUint32(msg, uint32(i))
		if err := c.Write(ctx, MessageBinary, msg); err != nil {
			t.Fatalf("Write %d: %v", i, err)
		}
		n := c.ws.Get("bufferedAmount").Int()
		if n > writeHighWater+size {
			t.Fatalf("after Write %d bufferedAmount = %d, above high-water %d + message %d", i, n, writeHighWater, size)
		}
		maxSeen = max(maxSeen, n)
	}
	t.Logf("max bufferedAmount after a Write: %d", maxSeen)
	if maxSeen <= writeHighWater {
		t.Fatalf("bufferedAmount never exceeded the high-water mark (%d): the test did not exercise backpressure", maxSeen)
	}
	if err := <-readDone; err != nil {
		t.Fatal(err)
	}
}

// TestWriteBackpressureHonoursContext: a Write waiting for the buffer to
// drain gives up when its context ends, sending nothing, and is released by
// CloseNow.
func TestWriteBackpressureHonoursContext(t *testing.T) {
	old := writeHighWater
	defer func() { writeHighWater = old }()
	writeHighWater = -1 // even an empty buffer is "too full": Write waits

	c := dialEcho(t)
	ctx := testContext(t)
	wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := c.Write(wctx, MessageBinary, []byte("never")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting Write: err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d < 40*time.Millisecond || d > time.Second {
		t.Fatalf("waiting Write returned after %v, want about 50ms", d)
	}

	// The abandoned Write sent nothing and the connection stays usable.
	writeHighWater = old
	if err := c.Write(ctx, MessageBinary, []byte("after")); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.Read(ctx); err != nil || string(got) != "after" {
		t.Fatalf("Read = %q, %v; want \"after\" (the abandoned message must not be sent)", got, err)
	}

	// CloseNow releases a Write that is waiting for the buffer to drain.
	writeHighWater = -1
	werr := make(chan error, 1)
	go func() { werr <- c.Write(ctx, MessageBinary, []byte("x")) }()
	time.Sleep(20 * time.Millisecond)
	if err := c.CloseNow(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-werr:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("waiting Write after CloseNow: %v, want net.ErrClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("CloseNow did not release a waiting Write")
	}
}

func TestConcurrentWritersAndReader(t *testing.T) {
	c := dialEcho(t)
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
				typ := MessageBinary
				if seq%2 == 1 {
					typ = MessageText
				}
				if err := c.Write(ctx, typ, fmt.Appendf(nil, "w%d-%d", w, seq)); err != nil {
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

	// Now close while a reader is blocked and writers are active.
	readErr := make(chan error, 1)
	go func() {
		_, _, err := c.Read(ctx)
		readErr <- err
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
				if err := c.Write(ctx, MessageBinary, []byte("late")); err != nil {
					return
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	// The echoes of "late" may be read; drain until the close error.
	if err := c.Close(StatusNormalClosure, ""); err != nil {
		t.Fatalf("Close with concurrent users: %v", err)
	}
	close(stop)
	wg2.Wait()
	select {
	case err := <-readErr:
		if err != nil && !errors.Is(err, errClosed) {
			t.Fatalf("concurrent Read returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock the reader")
	}
}
