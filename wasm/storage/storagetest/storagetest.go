// Package storagetest opens whatsmeow stores in memory, for tests. It is
// kept apart from package storage because its in-memory VFS (memdb)
// imports package testing, which the app must not ship; a test in
// cmd/app checks that the production build imports neither.
package storagetest

import (
	"context"
	"fmt"

	// The database/sql driver named "sqlite3", and the in-memory VFS.
	_ "github.com/ncruces/go-sqlite3/driver"
	_ "github.com/ncruces/go-sqlite3/vfs/memdb"
	"go.mau.fi/whatsmeow/store/sqlstore"
	waLog "go.mau.fi/whatsmeow/util/log"
)

// OpenMemory opens an empty whatsmeow store that lives in memory only, named
// so that separate calls get separate databases.
func OpenMemory(ctx context.Context, name string) (*sqlstore.Container, error) {
	// whatsmeow's schema relies on foreign keys, which SQLite leaves off.
	// A busy timeout: a new manager may open the store while the last one's
	// connections are still closing.
	dsn := fmt.Sprintf("file:/%s.db?vfs=memdb&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)", name)
	container, err := sqlstore.New(ctx, "sqlite3", dsn, waLog.Noop)
	if err != nil {
		return nil, fmt.Errorf("opening the in-memory store: %w", err)
	}
	return container, nil
}
