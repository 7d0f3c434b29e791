package frame

import (
	"bytes"
	"errors"
	"testing"
)

func TestRoundTripAcrossMessageBoundaries(t *testing.T) {
	a, _ := Encode([]byte("hello"))
	b, _ := Encode(bytes.Repeat([]byte{7}, 300))
	c, _ := Encode(nil)
	stream := append(append(append(append([]byte{}, Header...), a...), b...), c...)

	// Every split point must yield the same frames.
	for cut := 0; cut <= len(stream); cut++ {
		var r Reader
		first, err := r.Feed(stream[:cut])
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		rest, err := r.Feed(stream[cut:])
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		got := append(first, rest...)
		if len(got) != 3 || string(got[0]) != "hello" || len(got[1]) != 300 || len(got[2]) != 0 {
			t.Fatalf("cut %d: got %d frames %q", cut, len(got), got)
		}
	}
}

func TestBadHeader(t *testing.T) {
	var r Reader
	if _, err := r.Feed([]byte("WB")); !errors.Is(err, ErrHeader) {
		t.Errorf("err = %v, want ErrHeader", err)
	}
	var r2 Reader
	if _, err := r2.Feed([]byte("ED\x00\x01")); !errors.Is(err, ErrHeader) {
		t.Errorf("err = %v, want ErrHeader", err)
	}
}

func TestEncodeLimit(t *testing.T) {
	if _, err := Encode(make([]byte, MaxSize+1)); err == nil {
		t.Error("oversized payload encoded")
	}
	f, err := Encode(make([]byte, 0x010203))
	if err != nil || f[0] != 1 || f[1] != 2 || f[2] != 3 {
		t.Errorf("length prefix = %x, %v", f[:3], err)
	}
}

// FuzzReader: arbitrary messages never panic, and whatever frames come out
// re-encode to a prefix of the input after the header.
func FuzzReader(f *testing.F) {
	f.Add(append(append([]byte{}, Header...), 0, 0, 1, 'x'), 3)
	f.Add([]byte("WA\x06\x03\xff\xff\xff"), 5)
	f.Add([]byte{}, 0)
	f.Fuzz(func(t *testing.T, data []byte, cut int) {
		if cut < 0 || cut > len(data) {
			cut = len(data) / 2
		}
		var r Reader
		a, err := r.Feed(data[:cut])
		if err != nil {
			return
		}
		b, err := r.Feed(data[cut:])
		if err != nil {
			return
		}
		var re []byte
		for _, fr := range append(a, b...) {
			e, err := Encode(fr)
			if err != nil {
				t.Fatal(err)
			}
			re = append(re, e...)
		}
		if len(data) >= len(Header) && !bytes.HasPrefix(data[len(Header):], re) {
			t.Fatalf("frames %x are not a prefix of the input", re)
		}
	})
}
