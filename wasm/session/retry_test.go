package session_test

import (
	"context"
	"testing"
	"time"

	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
	"github.com/waprivacy/waprivacy/wasm/session"
	"github.com/waprivacy/waprivacy/wasm/storage/storagetest"
)

func TestRetryCutsTheBackoffShort(t *testing.T) {
	env := emutest.Start(t)
	env.HTTP.Close() // WhatsApp cannot be reached
	env.Server.Close()
	container, err := storagetest.OpenMemory(context.Background(), storeName(t))
	if err != nil {
		t.Fatal(err)
	}
	// A backoff far longer than the test: only Retry can bring the next
	// attempt.
	m := session.NewManager(context.Background(), container, session.Options{
		Configure: env.Redirect,
		Backoff:   session.Backoff{Min: time.Hour, Max: time.Hour},
	})
	t.Cleanup(m.Close)
	w := watch(m)
	key := m.Link()
	w.until(t, "unreachable", state(session.StateUnreachable))
	if err := m.Retry(key); err != nil {
		t.Fatal(err)
	}
	w.until(t, "connecting again", state(session.StateConnecting))
	w.until(t, "unreachable again", state(session.StateUnreachable))
	if err := m.Retry("nobody"); err != session.ErrUnknownAccount {
		t.Errorf("Retry of an unknown account: %v", err)
	}
}
