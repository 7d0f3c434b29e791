package storage

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.mau.fi/whatsmeow/store"

	"github.com/waprivacy/waprivacy/wasm/storage/internal/sessiontest"
)

// These benchmarks exist to weigh the wasm build's compiler flags (issue
// 14): the Makefile turns inlining off in most packages to make app.wasm
// smaller, and SQLite's speed in the browser is what that can cost. Run
// them in Chromium, with the flags to compare, as
//
//	GOOS=js GOARCH=wasm go test -exec $PWD/bin/wasmbrowsertest -run '^$' \
//		-bench . -gcflags=... ./wasm/storage
//
// Natively they measure the in-memory backend.

// benchAccounts accounts of data: each a device with pre-keys, Signal
// sessions and identities of its contacts.
const (
	benchAccounts = 3
	benchPreKeys  = 500
	benchContacts = 300
)

// seedAccounts writes benchAccounts accounts into the new store name.
func seedAccounts(b *testing.B, name string) {
	ctx := context.Background()
	s, err := Open(ctx, name)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for i := range benchAccounts {
		if _, err := sessiontest.SeedUser(ctx, s.Container, fmt.Sprintf("1555000%04d", i), benchPreKeys); err != nil {
			b.Fatal(err)
		}
	}
	devices := readDevices(b, s)
	session := make([]byte, 1024)
	for _, d := range devices {
		sessions := make(map[string][]byte, benchContacts)
		for c := range benchContacts {
			addr := fmt.Sprintf("1666%07d.0:1", c)
			sessions[addr] = session
			if err := d.Identities.PutIdentity(ctx, addr, [32]byte{byte(c)}); err != nil {
				b.Fatal(err)
			}
		}
		if err := d.Sessions.PutManySessions(ctx, sessions); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen is a page load: opening a store of benchAccounts accounts
// (reading it from IndexedDB in the browser) and reading their devices.
func BenchmarkOpen(b *testing.B) {
	ctx := context.Background()
	name := testName()
	seedAccounts(b, name)
	for b.Loop() {
		s, err := Open(ctx, name)
		if err != nil {
			b.Fatal(err)
		}
		readDevices(b, s)
		s.Close()
	}
}

// BenchmarkGetAllDevices is the part of a page load after the database
// is open: reading the devices, for each of which whatsmeow derives three
// public keys (curve25519), the cost the Makefile's inlining in math/bits
// and the curve packages is there for.
func BenchmarkGetAllDevices(b *testing.B) {
	s := openSeeded(b)
	for b.Loop() {
		readDevices(b, s)
	}
}

// openSeeded opens a new store of benchAccounts accounts until b ends.
func openSeeded(b *testing.B) *Store {
	name := testName()
	seedAccounts(b, name)
	s, err := Open(context.Background(), name)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// readDevices reads s's devices, which must be benchAccounts.
func readDevices(b *testing.B, s *Store) []*store.Device {
	devices, err := s.GetAllDevices(context.Background())
	if err != nil || len(devices) != benchAccounts {
		b.Fatalf("%d devices, %v; want %d", len(devices), err, benchAccounts)
	}
	return devices
}

// BenchmarkCommit is the app's write on each update: one small
// transaction that appends a record and replaces a row, committed durably
// (synchronous=FULL: a strict IndexedDB transaction in the browser).
func BenchmarkCommit(b *testing.B) {
	ctx := context.Background()
	db := openSeeded(b).DB()
	for _, q := range []string{
		`CREATE TABLE waprivacy_bench_log (id INTEGER PRIMARY KEY, account TEXT NOT NULL, at INTEGER NOT NULL, data TEXT NOT NULL)`,
		`CREATE TABLE waprivacy_bench_last (account TEXT PRIMARY KEY, at INTEGER NOT NULL, data TEXT NOT NULL)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	data := `{"setting":"last","value":"contacts","except":[` + strings.Repeat(`"16660000000",`, 20) + `"1"]}`
	n := 0
	for b.Loop() {
		n++
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO waprivacy_bench_log (account, at, data) VALUES (?, ?, ?)`, "15550000000", n, data); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO waprivacy_bench_last (account, at, data) VALUES (?, ?, ?)
			ON CONFLICT (account) DO UPDATE SET at = excluded.at, data = excluded.data`, "15550000000", n, data); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}
