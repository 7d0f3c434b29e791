package storage

import "database/sql"

// DB is the store's database, for the app's own tables (change history,
// queued edits) kept next to whatsmeow's in the same file: one IndexedDB
// database, one writer lock, and a commit covers both. Name tables with a
// "waprivacy_" prefix so they never meet whatsmeow's. The store owns it:
// do not close it.
func (s *Store) DB() *sql.DB { return s.db }
