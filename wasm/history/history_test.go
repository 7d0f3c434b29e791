package history

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"testing"
	"time"

	_ "github.com/ncruces/go-sqlite3/driver"
	"github.com/ncruces/go-sqlite3/vfs/memdb"

	"github.com/waprivacy/waprivacy/wasm/privacy"
)

func openLog(t *testing.T) *Log {
	t.Helper()
	db, err := sql.Open("sqlite3", memdb.TestDB(t, url.Values{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	l, err := Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	// Opening again keeps what is there.
	if _, err := Open(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestRecordListGet(t *testing.T) {
	ctx := context.Background()
	l := openLog(t)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if _, ok, err := l.RecordAndRemember(ctx, "5511900000001", at, FromApp, nil, privacy.Snapshot{}); ok || err != nil {
		t.Fatalf("recording no change: %v %v", ok, err)
	}
	first, _, err := l.RecordAndRemember(ctx, "5511900000001", at, FromApp, []privacy.Change{{Field: "last", Before: "all", After: "none"}}, privacy.Snapshot{})
	if err != nil {
		t.Fatal(err)
	}
	second, _, err := l.RecordAndRemember(ctx, "5511900000001", at.Add(time.Minute), FromPhone, []privacy.Change{{Field: "blocked", Added: []string{"5511900000009"}}}, privacy.Snapshot{})
	if err != nil {
		t.Fatal(err)
	}
	l.RecordAndRemember(ctx, "5511900000002", at, FromApp, []privacy.Change{{Field: "timer", Before: "0", After: "86400"}}, privacy.Snapshot{})

	list, err := l.List(ctx, "5511900000001", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != second.ID || list[1].ID != first.ID {
		t.Fatalf("list %+v: want the account's two entries, newest first", list)
	}
	if list[0].Source != FromPhone || !list[1].At.Equal(at) || list[0].Changes[0].Added[0] != "5511900000009" {
		t.Errorf("entries read back wrong: %+v", list)
	}
	got, err := l.Get(ctx, first.ID)
	if err != nil || got.Changes[0].After != "none" {
		t.Errorf("Get = %+v, %v", got, err)
	}
	if _, err := l.Get(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get of a missing entry: %v", err)
	}
	if err := l.Forget(ctx, "5511900000001"); err != nil {
		t.Fatal(err)
	}
	if list, _ := l.List(ctx, "5511900000001", 10); len(list) != 0 {
		t.Errorf("forgotten account still has %d entries", len(list))
	}
	if list, _ := l.List(ctx, "5511900000002", 10); len(list) != 1 {
		t.Errorf("forgetting one account touched another")
	}
}

func TestLastKnown(t *testing.T) {
	ctx := context.Background()
	l := openLog(t)
	if _, _, ok, err := l.LastKnown(ctx, "5511900000001"); ok || err != nil {
		t.Fatalf("nothing remembered yet, got ok=%v err=%v", ok, err)
	}
	s := privacy.Snapshot{Settings: map[privacy.Category]privacy.Value{privacy.LastSeen: privacy.Nobody},
		Except: map[privacy.Category][]string{privacy.About: {"5511900000003"}}, DefaultTimer: privacy.Timer7Days}
	at := time.UnixMilli(1_700_000_000_000)
	for range 2 { // the second write replaces the first
		if _, logged, err := l.RecordAndRemember(ctx, "5511900000001", at, FromPhone, nil, s); err != nil || logged {
			t.Fatal(err)
		}
	}
	got, gotAt, ok, err := l.LastKnown(ctx, "5511900000001")
	if err != nil || !ok || !gotAt.Equal(at) || len(privacy.Diff(s, got)) != 0 {
		t.Errorf("LastKnown = %+v %v %v %v", got, gotAt, ok, err)
	}
	l.Forget(ctx, "5511900000001")
	if _, _, ok, _ := l.LastKnown(ctx, "5511900000001"); ok {
		t.Error("Forget kept the last-known settings")
	}
}

func TestForgetInATransactionAndAccounts(t *testing.T) {
	ctx := context.Background()
	l := openLog(t)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	change := []privacy.Change{{Field: "last", Before: "all", After: "none"}}
	if _, _, err := l.RecordAndRemember(ctx, "b", at, FromApp, change, privacy.Snapshot{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.RecordAndRemember(ctx, "c", at, FromApp, nil, privacy.Snapshot{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.RecordAndRemember(ctx, "c", at, FromPhone, change, privacy.Snapshot{}); err != nil {
		t.Fatal(err)
	}
	if got, err := l.Accounts(ctx); err != nil || len(got) != 2 || got[0] != "b" || got[1] != "c" {
		t.Errorf("Accounts = %v, %v", got, err)
	}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.ForgetIn(ctx, tx, "c"); err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	if entries, _ := l.List(ctx, "c", 10); len(entries) != 1 {
		t.Errorf("a rolled-back forget left %d entries", len(entries))
	}
	if err := l.Forget(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, _ := l.LastKnown(ctx, "c"); ok {
		t.Error("the forgotten account's settings are still known")
	}
	if got, _ := l.Accounts(ctx); len(got) != 1 || got[0] != "b" {
		t.Errorf("Accounts after forgetting c = %v", got)
	}
}
