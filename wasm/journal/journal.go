// Package journal keeps the privacy engine's update journal in SQLite:
// one row per update from before its first request leaves until its
// outcome is known, so an update cut short by a lost connection or a
// closed tab is found, and resolved, when the account next connects.
package journal

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/waprivacy/waprivacy/wasm/engine"
)

// Store is the journal of a database's accounts. It implements
// engine.Journal.
type Store struct {
	db  *sql.DB
	now func() time.Time
	// OnRecovered, if set, runs in the transaction that closes a record
	// recovery resolved, so what recovery did is logged with the closing
	// or not at all.
	OnRecovered func(ctx context.Context, tx *sql.Tx, account string, r *engine.Recovery) error
}

var _ engine.Journal = (*Store)(nil)

const schema = `
CREATE TABLE IF NOT EXISTS waprivacy_journal (
	id      INTEGER PRIMARY KEY,
	account TEXT NOT NULL,
	at      INTEGER NOT NULL, -- Unix milliseconds
	intent  TEXT NOT NULL     -- JSON: engine.Intent
);`

// Open creates the journal's table in db if needed. The database must
// commit durably (synchronous=FULL), as Begin promises its record is on
// disk.
func Open(ctx context.Context, db *sql.DB, now func() time.Time) (*Store, error) {
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return nil, fmt.Errorf("journal: creating the table: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, now: now}, nil
}

// Begin records in for account.
func (s *Store) Begin(ctx context.Context, account string, in engine.Intent) (int64, error) {
	if account == "" {
		return 0, fmt.Errorf("journal: an update needs its account")
	}
	data, err := json.Marshal(in)
	if err != nil {
		return 0, err
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO waprivacy_journal (account, at, intent) VALUES (?, ?, ?)`,
		account, s.now().UnixMilli(), string(data))
	if err != nil {
		return 0, fmt.Errorf("journal: recording an update: %w", err)
	}
	return res.LastInsertId()
}

// End closes the record id of account, with OnRecovered in the same
// transaction when recovery closed it.
func (s *Store) End(ctx context.Context, account string, id int64, r *engine.Recovery) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("journal: closing an update: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM waprivacy_journal WHERE id = ? AND account = ?`, id, account); err != nil {
		return fmt.Errorf("journal: closing an update: %w", err)
	}
	if r != nil && s.OnRecovered != nil {
		if err := s.OnRecovered(ctx, tx, account, r); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("journal: closing an update: %w", err)
	}
	return nil
}

// Open lists account's open records, oldest first.
func (s *Store) Open(ctx context.Context, account string) ([]engine.Intent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, at, intent FROM waprivacy_journal WHERE account = ? ORDER BY id`, account)
	if err != nil {
		return nil, fmt.Errorf("journal: reading open updates: %w", err)
	}
	defer rows.Close()
	var out []engine.Intent
	for rows.Next() {
		var id, ms int64
		var data string
		if err := rows.Scan(&id, &ms, &data); err != nil {
			return nil, fmt.Errorf("journal: reading open updates: %w", err)
		}
		var in engine.Intent
		if err := json.Unmarshal([]byte(data), &in); err != nil {
			return nil, fmt.Errorf("journal: the open update %d is damaged: %w", id, err)
		}
		in.ID, in.At = id, time.UnixMilli(ms)
		out = append(out, in)
	}
	return out, rows.Err()
}

// ForgetIn deletes account's records within tx, for when it is unlinked:
// nothing can be recovered without its keys.
func (s *Store) ForgetIn(ctx context.Context, tx *sql.Tx, account string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM waprivacy_journal WHERE account = ?`, account); err != nil {
		return fmt.Errorf("journal: forgetting %s: %w", account, err)
	}
	return nil
}

// Count is how many records are open, over every account; 0 once every
// update has been resolved.
func (s *Store) Count(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM waprivacy_journal`).Scan(&n)
	return n, err
}
