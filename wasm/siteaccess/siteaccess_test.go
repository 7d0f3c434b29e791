package siteaccess

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"slices"
	"testing"
	"time"

	_ "github.com/ncruces/go-sqlite3/driver"
	"github.com/ncruces/go-sqlite3/vfs/memdb"
)

func openStore(t *testing.T) (*Store, *sql.DB) {
	t.Helper()
	db, err := sql.Open("sqlite3", memdb.TestDB(t, url.Values{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return s, db
}

func TestDecisionsAreKeptPerSiteAndAccount(t *testing.T) {
	ctx := context.Background()
	s, db := openStore(t)
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	for _, g := range []Grant{
		{Origin: "https://shop.example", Account: "a", Access: Read, At: at},
		{Origin: "https://bank.example:8443", Account: "a", Access: Denied, At: at},
		{Origin: "https://shop.example", Account: "b", Access: Change, At: at},
	} {
		if err := s.Set(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	// A second answer replaces the first.
	if err := s.Set(ctx, Grant{Origin: "https://shop.example", Account: "a", Access: Change, At: at.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	// Opening again keeps what is there.
	if _, err := Open(ctx, db); err != nil {
		t.Fatal(err)
	}
	got, err := s.List(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	want := []Grant{
		{Origin: "https://bank.example:8443", Account: "a", Access: Denied, At: at},
		{Origin: "https://shop.example", Account: "a", Access: Change, At: at.Add(time.Minute)},
	}
	if !slices.EqualFunc(got, want, func(x, y Grant) bool {
		return x.Origin == y.Origin && x.Account == y.Account && x.Access == y.Access && x.At.Equal(y.At)
	}) {
		t.Fatalf("account a: %+v\nwant %+v", got, want)
	}

	if err := s.Withdraw(ctx, "https://shop.example", "a"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.List(ctx, "a"); len(got) != 1 || got[0].Origin != "https://bank.example:8443" {
		t.Errorf("after withdrawing shop.example from a: %+v", got)
	}
	if got, _ := s.List(ctx, "b"); len(got) != 1 || got[0].Access != Change {
		t.Errorf("withdrawing from a touched b: %+v", got)
	}

	// Forgetting an account within a transaction that is rolled back
	// keeps its decisions; committed, they are gone.
	for _, commit := range []bool{false, true} {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ForgetIn(ctx, tx, "b"); err != nil {
			t.Fatal(err)
		}
		if commit {
			err = tx.Commit()
		} else {
			err = tx.Rollback()
		}
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := s.List(ctx, "b"); (len(got) == 0) != commit {
			t.Errorf("commit %v: b has %+v", commit, got)
		}
	}
}

func TestBadDecisionsChangeNothing(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	for _, g := range []Grant{
		{Origin: "null", Account: "a", Access: Read},
		{Origin: "https://shop.example/", Account: "a", Access: Read},
		{Origin: "https://shop.example/path", Account: "a", Access: Read},
		{Origin: "https://user@shop.example", Account: "a", Access: Read},
		{Origin: "HTTPS://shop.example", Account: "a", Access: Read},
		{Origin: "ftp://shop.example", Account: "a", Access: Read},
		{Origin: "https://", Account: "a", Access: Read},
		{Origin: "https://shop.example?x", Account: "a", Access: Read},
		{Origin: "https://shop.example", Account: "", Access: Read},
		{Origin: "https://shop.example", Account: "a", Access: Undecided},
		{Origin: "https://shop.example", Account: "a", Access: "admin"},
	} {
		if err := s.Set(ctx, g); err == nil {
			t.Errorf("%+v was accepted", g)
		}
	}
	if err := s.Set(ctx, Grant{Origin: "null", Account: "a", Access: Read}); !errors.Is(err, ErrBadOrigin) {
		t.Errorf("null origin: %v, want ErrBadOrigin", err)
	}
	if got, err := s.List(ctx, "a"); err != nil || len(got) != 0 {
		t.Errorf("after refused decisions: %+v, %v", got, err)
	}
	for _, ok := range []string{"https://shop.example", "http://127.0.0.1:8081", "http://[::1]:8080"} {
		if err := CheckOrigin(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

func TestWhatEachAccessAllows(t *testing.T) {
	for _, tc := range []struct {
		a            Access
		read, change bool
	}{
		{Undecided, false, false}, {Denied, false, false}, {Read, true, false}, {Change, true, true}, {"admin", false, false},
	} {
		if tc.a.Allows(false) != tc.read || tc.a.Allows(true) != tc.change {
			t.Errorf("%q: read %v change %v", tc.a, tc.a.Allows(false), tc.a.Allows(true))
		}
	}
}
