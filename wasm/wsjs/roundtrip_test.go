//go:build js

package websocket

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestBinaryRoundTrip(t *testing.T) {
	c := dialEcho(t)
	c.SetReadLimit(2 << 20)
	ctx := testContext(t)
	for _, n := range []int{0, 1, 2, 125, 126, 65535, 65536, 1 << 20} {
		want := randomBytes(n, uint64(n))
		if err := c.Write(ctx, MessageBinary, want); err != nil {
			t.Fatalf("Write(%d bytes): %v", n, err)
		}
		typ, got, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("Read(%d bytes): %v", n, err)
		}
		if typ != MessageBinary {
			t.Fatalf("%d bytes: type = %d, want MessageBinary", n, typ)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%d bytes: got %d bytes back, different content", n, len(got))
		}
	}
}

func TestManyMessagesKeepBoundariesAndOrder(t *testing.T) {
	c := dialEcho(t)
	ctx := testContext(t)
	const count = 500
	msgs := make([][]byte, count)
	for i := range msgs {
		msgs[i] = randomBytes(i%37, uint64(i)) // includes empty messages
		msgs[i] = append(msgs[i], []byte(fmt.Sprint(i))...)
	}
	// Write everything first so that messages arrive back to back.
	for i, m := range msgs {
		if err := c.Write(ctx, MessageBinary, m); err != nil {
			t.Fatalf("Write %d: %v", i, err)
		}
	}
	for i, want := range msgs {
		typ, got, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("Read %d: %v", i, err)
		}
		if typ != MessageBinary || !bytes.Equal(got, want) {
			t.Fatalf("message %d: got type %d %q, want %q", i, typ, got, want)
		}
	}
}

func TestTextRoundTrip(t *testing.T) {
	c := dialEcho(t)
	ctx := testContext(t)
	for _, s := range []string{"hello", "", "héllo wörld ✓ 😀", "close-ish but not a command"} {
		if err := c.Write(ctx, MessageText, []byte(s)); err != nil {
			t.Fatalf("Write(%q): %v", s, err)
		}
		typ, got, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if typ != MessageText || string(got) != s {
			t.Fatalf("got type %d %q, want MessageText %q", typ, got, s)
		}
	}
	if err := c.Write(ctx, MessageText, []byte{0xff, 0xfe}); err == nil {
		t.Fatal("Write of invalid UTF-8 text succeeded")
	}
	if err := c.Write(ctx, MessageType(7), []byte("x")); err == nil {
		t.Fatal("Write with an unknown message type succeeded")
	}
	// The connection is still usable after the rejected writes.
	if err := c.Write(ctx, MessageBinary, []byte("ok")); err != nil {
		t.Fatalf("Write after rejected writes: %v", err)
	}
	if _, got, err := c.Read(ctx); err != nil || string(got) != "ok" {
		t.Fatalf("Read after rejected writes = %q, %v", got, err)
	}
}
