// Package storage opens the SQLite databases that hold the linked
// accounts' keys and sessions, using ncruces/go-sqlite3 (pure Go, so it runs
// in the browser's wasm as well as natively).
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"

	// The database/sql driver named "sqlite3".
	_ "github.com/ncruces/go-sqlite3/driver"
	"github.com/ncruces/go-sqlite3/vfs"
	"go.mau.fi/whatsmeow/store/sqlstore"
	waLog "go.mau.fi/whatsmeow/util/log"

	"github.com/waprivacy/waprivacy/wasm/idbvfs"
	"github.com/waprivacy/waprivacy/wasm/tablock"
)

// Store is a whatsmeow store that outlives the page: kept in IndexedDB in
// the browser, and in process memory natively, where closing and opening
// it again stands in for a reload.
type Store struct {
	*sqlstore.Container
	db           *sql.DB
	vfs          *idbvfs.VFS
	vfsName      string
	closeBackend func()
	lock         *tablock.Lock
}

var (
	validName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	vfsCount  atomic.Int64
)

// Open opens the store called name, creating it if needed. Only one tab
// may have a store open: elsewhere Open fails with an error that
// errors.Is(err, tablock.ErrHeld) recognises ("the session is open in
// another tab"). Call Close when done, which lets another tab open it.
func Open(ctx context.Context, name string) (*Store, error) {
	if !validName.MatchString(name) {
		return nil, fmt.Errorf("storage: store name %q must be 1 to 64 letters, digits, '-' or '_'", name)
	}
	lock, err := tablock.Acquire("waprivacy/store/" + name)
	if err != nil {
		return nil, fmt.Errorf("opening store %q: %w", name, err)
	}
	backend, closeBackend, err := openBackend()
	if err != nil {
		lock.Release()
		return nil, fmt.Errorf("opening store %q: %w", name, err)
	}
	// A VFS per store, so that each Open reads the store afresh, as a
	// reloaded page would.
	s := &Store{
		vfs:          idbvfs.New(backend),
		vfsName:      fmt.Sprintf("waprivacy-%d", vfsCount.Add(1)),
		closeBackend: closeBackend,
		lock:         lock,
	}
	vfs.Register(s.vfsName, s.vfs)
	// foreign_keys: whatsmeow's schema relies on them. synchronous=FULL:
	// each commit waits until IndexedDB has it on disk, because a lost
	// write can desynchronise Signal ratchets. cache_size: 16 MB, so that
	// transactions fit in the page cache and take the batch-atomic path.
	dsn := "file:" + name + ".db?vfs=" + s.vfsName +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(full)&_pragma=cache_size(-16000)"
	s.db, err = sql.Open("sqlite3", dsn)
	if err != nil {
		s.release()
		return nil, fmt.Errorf("opening store %q: %w", name, err)
	}
	// The VFS takes one connection per database.
	s.db.SetMaxOpenConns(1)
	s.Container = sqlstore.NewWithDB(s.db, "sqlite3", waLog.Noop)
	if err := s.Container.Upgrade(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("opening store %q: %w", name, err)
	}
	return s, nil
}

// Failures delivers the error of a commit that the browser refused.
// errors.Is(err, idbvfs.ErrFull) means storage is full: tell the user,
// since whatsmeow may only log the failed write. The statement itself
// fails with SQLITE_FULL (errors.Is(err, sqlite3.FULL)).
func (s *Store) Failures() <-chan error {
	return s.vfs.Failures()
}

// Check runs SQLite's integrity check; nil means the database is sound.
func (s *Store) Check(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		problems = append(problems, line)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) == 1 && problems[0] == "ok" {
		return nil
	}
	return errors.New("storage: integrity check: " + strings.Join(problems, "; "))
}

// Close closes the database and lets another tab open the store.
func (s *Store) Close() error {
	err := s.db.Close()
	s.release()
	return err
}

func (s *Store) release() {
	vfs.Unregister(s.vfsName)
	s.closeBackend()
	s.lock.Release()
}
