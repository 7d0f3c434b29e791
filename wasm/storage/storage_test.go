package storage

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/waprivacy/waprivacy/wasm/storage/internal/sessiontest"
	"github.com/waprivacy/waprivacy/wasm/tablock"
)

// These tests run natively and, under wasmbrowsertest, against IndexedDB.

func testName() string {
	return "test-" + strings.ToLower(rand.Text()[:12])
}

func TestSessionSurvivesReopening(t *testing.T) {
	ctx := context.Background()
	name := testName()
	s, err := Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	written, err := sessiontest.Seed(ctx, s.Container, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// A fresh VFS reads everything back from the backend.
	s, err = Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	read, err := sessiontest.Fingerprint(ctx, s.Container, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if read != written {
		t.Errorf("the reopened store's device and pre-keys differ from those written")
	}
	if err := s.Check(ctx); err != nil {
		t.Error(err)
	}
}

func TestOpenRefusesAStoreThatIsOpen(t *testing.T) {
	ctx := context.Background()
	name := testName()
	s, err := Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, name)
	if !errors.Is(err, tablock.ErrHeld) || !strings.Contains(err.Error(), "the session is open in another tab") {
		t.Fatalf("opening an open store: %v, want tablock.ErrHeld", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, name)
	if err != nil {
		t.Fatalf("opening after Close: %v", err)
	}
	s.Close()
}

func TestOpenRejectsBadNames(t *testing.T) {
	for _, name := range []string{"", "a/b", "x.db?vfs=memdb", strings.Repeat("a", 65)} {
		if s, err := Open(context.Background(), name); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", name)
		}
	}
}

// BenchmarkOpenSession measures a reload: opening a store that holds a
// device with 1,000 pre-keys and reading the device.
func BenchmarkOpenSession(b *testing.B) {
	ctx := context.Background()
	name := testName()
	s, err := Open(ctx, name)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := sessiontest.Seed(ctx, s.Container, 1000); err != nil {
		b.Fatal(err)
	}
	s.Close()
	for b.Loop() {
		s, err := Open(ctx, name)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.GetFirstDevice(ctx); err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}
