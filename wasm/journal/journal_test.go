package journal

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"testing"
	"time"

	_ "github.com/ncruces/go-sqlite3/driver"
	"github.com/ncruces/go-sqlite3/vfs/memdb"

	"github.com/waprivacy/waprivacy/wasm/engine"
)

func TestRecordsStayOpenUntilClosedAndCloseWithTheirLog(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite3", memdb.TestDB(t, url.Values{}))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	s, err := Open(ctx, db, func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	in := engine.Intent{Source: "preset", Parts: []engine.Part{
		{Field: "last", Before: "all", Target: "none"},
		{Field: "last.except", Before: "contacts", Target: "contact_blacklist", Add: []string{"5511900000001"}, DHash: "h1"},
	}}
	a, err := s.Begin(ctx, "a", in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Begin(ctx, "b", in); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Begin(ctx, "", in); err == nil {
		t.Error("a record without an account was accepted")
	}
	open, err := s.Open(ctx, "a")
	if err != nil || len(open) != 1 {
		t.Fatalf("open for a: %+v, %v", open, err)
	}
	got := open[0]
	if got.ID != a || !got.At.Equal(at) || got.Source != "preset" || len(got.Parts) != 2 ||
		got.Parts[1].DHash != "h1" || got.Parts[1].Add[0] != "5511900000001" {
		t.Errorf("read back %+v", got)
	}

	// A log that fails keeps the record open: recovery runs again.
	s.OnRecovered = func(context.Context, *sql.Tx, string, *engine.Recovery) error { return errors.New("disk full") }
	if err := s.End(ctx, "a", a, &engine.Recovery{Result: engine.RecoveredUndone}); err == nil {
		t.Fatal("End succeeded though its log failed")
	}
	if n, _ := s.Count(ctx); n != 2 {
		t.Fatalf("%d open after a failed End, want 2", n)
	}
	logged := 0
	s.OnRecovered = func(context.Context, *sql.Tx, string, *engine.Recovery) error { logged++; return nil }
	if err := s.End(ctx, "a", a, &engine.Recovery{Result: engine.RecoveredUndone}); err != nil {
		t.Fatal(err)
	}
	// Another account's id is not closed by this one.
	if err := s.End(ctx, "a", a+1, nil); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Count(ctx); n != 1 || logged != 1 {
		t.Fatalf("%d open, %d logged; want b's record open and one log", n, logged)
	}

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ForgetIn(ctx, tx, "b"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Count(ctx); n != 0 {
		t.Errorf("%d open after forgetting b", n)
	}

	if _, err := db.Exec(`INSERT INTO waprivacy_journal (account, at, intent) VALUES ('c', 0, '{broken')`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(ctx, "c"); err == nil {
		t.Error("a damaged record was read without an error")
	}
}
