// Package storage opens the SQLite databases that hold the linked
// accounts' keys and sessions, using ncruces/go-sqlite3 (pure Go, so it runs
// in the browser's wasm as well as natively).
package storage

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
	dsn := fmt.Sprintf("file:/%s.db?vfs=memdb&_pragma=foreign_keys(1)", name)
	container, err := sqlstore.New(ctx, "sqlite3", dsn, waLog.Noop)
	if err != nil {
		return nil, fmt.Errorf("opening the in-memory store: %w", err)
	}
	return container, nil
}
