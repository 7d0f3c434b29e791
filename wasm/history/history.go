// Package history keeps, in SQLite, the log of every privacy change of
// every linked account (when, what before and after, and whether it came
// from this app or from the phone) and the last settings seen, so the app
// can show them offline and tell what changed while it was closed.
package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// Where a change came from.
const (
	FromApp   = "app"
	FromPhone = "phone"
	// FromRecovery: an interrupted update's parts changed back when the
	// account reconnected.
	FromRecovery = "recovery"
)

// Entry is one logged change.
type Entry struct {
	ID      int64
	Account string
	At      time.Time
	Source  string // FromApp, FromPhone or FromRecovery
	Changes []privacy.Change
}

// Log is the history of a database's accounts.
type Log struct {
	db *sql.DB
}

// ErrNotFound is returned for an entry that does not exist.
var ErrNotFound = errors.New("history: no such entry")

const schema = `
CREATE TABLE IF NOT EXISTS waprivacy_history (
	id      INTEGER PRIMARY KEY,
	account TEXT NOT NULL,
	at      INTEGER NOT NULL, -- Unix milliseconds
	source  TEXT NOT NULL,
	changes TEXT NOT NULL     -- JSON: []privacy.Change
);
CREATE INDEX IF NOT EXISTS waprivacy_history_account ON waprivacy_history (account, id);
CREATE TABLE IF NOT EXISTS waprivacy_last_known (
	account  TEXT PRIMARY KEY,
	at       INTEGER NOT NULL,
	snapshot TEXT NOT NULL    -- JSON: privacy.Snapshot
);`

// Open creates the log's tables in db if needed.
func Open(ctx context.Context, db *sql.DB) (*Log, error) {
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return nil, fmt.Errorf("history: creating tables: %w", err)
	}
	return &Log{db: db}, nil
}

// RecordIn logs changes within tx, a transaction on the log's database,
// so that the caller commits more with the entry; it records nothing and
// returns false for none.
func (l *Log) RecordIn(ctx context.Context, tx *sql.Tx, account string, at time.Time, source string, changes []privacy.Change) (Entry, bool, error) {
	return record(ctx, tx, account, at, source, changes)
}

// execer is a database or a transaction on it.
type execer interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}

// RecordAndRemember logs changes (nothing, returning false, for none)
// and keeps s as account's
// last-known settings, in one commit: each commit is a strict IndexedDB
// transaction, which costs the page a few milliseconds.
func (l *Log) RecordAndRemember(ctx context.Context, account string, at time.Time, source string, changes []privacy.Change, s privacy.Snapshot) (Entry, bool, error) {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return Entry{}, false, fmt.Errorf("history: recording: %w", err)
	}
	defer tx.Rollback()
	e, logged, err := record(ctx, tx, account, at, source, changes)
	if err != nil {
		return Entry{}, false, err
	}
	if err := remember(ctx, tx, account, s, at); err != nil {
		return Entry{}, false, err
	}
	if err := tx.Commit(); err != nil {
		return Entry{}, false, fmt.Errorf("history: recording: %w", err)
	}
	return e, logged, nil
}

func record(ctx context.Context, db execer, account string, at time.Time, source string, changes []privacy.Change) (Entry, bool, error) {
	if len(changes) == 0 {
		return Entry{}, false, nil
	}
	data, err := json.Marshal(changes)
	if err != nil {
		return Entry{}, false, err
	}
	res, err := db.ExecContext(ctx, `INSERT INTO waprivacy_history (account, at, source, changes) VALUES (?, ?, ?, ?)`,
		account, at.UnixMilli(), source, string(data))
	if err != nil {
		return Entry{}, false, fmt.Errorf("history: recording: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return Entry{}, false, err
	}
	return Entry{ID: id, Account: account, At: time.UnixMilli(at.UnixMilli()), Source: source, Changes: changes}, true, nil
}

// List returns account's latest entries, newest first.
func (l *Log) List(ctx context.Context, account string, limit int) ([]Entry, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT id, account, at, source, changes FROM waprivacy_history
		WHERE account = ? ORDER BY id DESC LIMIT ?`, account, limit)
	if err != nil {
		return nil, fmt.Errorf("history: listing: %w", err)
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Get returns the entry with id.
func (l *Log) Get(ctx context.Context, id int64) (Entry, error) {
	e, err := scan(l.db.QueryRowContext(ctx, `SELECT id, account, at, source, changes FROM waprivacy_history WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, ErrNotFound
	}
	return e, err
}

type scanner interface{ Scan(dest ...any) error }

func scan(row scanner) (Entry, error) {
	var e Entry
	var at int64
	var changes string
	if err := row.Scan(&e.ID, &e.Account, &at, &e.Source, &changes); err != nil {
		return Entry{}, err
	}
	e.At = time.UnixMilli(at)
	if err := json.Unmarshal([]byte(changes), &e.Changes); err != nil {
		return Entry{}, fmt.Errorf("history: entry %d is damaged: %w", e.ID, err)
	}
	return e, nil
}

// remember keeps s as account's last-known settings.
func remember(ctx context.Context, db execer, account string, s privacy.Snapshot, at time.Time) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `INSERT INTO waprivacy_last_known (account, at, snapshot) VALUES (?, ?, ?)
		ON CONFLICT (account) DO UPDATE SET at = excluded.at, snapshot = excluded.snapshot`,
		account, at.UnixMilli(), string(data))
	if err != nil {
		return fmt.Errorf("history: remembering settings: %w", err)
	}
	return nil
}

// LastKnown returns the settings last remembered for account and when they
// were seen; ok is false if none were.
func (l *Log) LastKnown(ctx context.Context, account string) (s privacy.Snapshot, at time.Time, ok bool, err error) {
	var ms int64
	var data string
	err = l.db.QueryRowContext(ctx, `SELECT at, snapshot FROM waprivacy_last_known WHERE account = ?`, account).Scan(&ms, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return privacy.Snapshot{}, time.Time{}, false, nil
	}
	if err != nil {
		return privacy.Snapshot{}, time.Time{}, false, fmt.Errorf("history: reading last-known settings: %w", err)
	}
	if err := json.Unmarshal([]byte(data), &s); err != nil {
		return privacy.Snapshot{}, time.Time{}, false, fmt.Errorf("history: last-known settings of %s are damaged: %w", account, err)
	}
	return s, time.UnixMilli(ms), true, nil
}

// Forget deletes everything kept about account, for when it is unlinked.
func (l *Log) Forget(ctx context.Context, account string) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := l.ForgetIn(ctx, tx, account); err != nil {
		return err
	}
	return tx.Commit()
}

// ForgetIn is Forget within tx, a transaction on the log's database, so
// that the caller can forget more in the same one.
func (l *Log) ForgetIn(ctx context.Context, tx *sql.Tx, account string) error {
	for _, q := range []string{`DELETE FROM waprivacy_history WHERE account = ?`, `DELETE FROM waprivacy_last_known WHERE account = ?`} {
		if _, err := tx.ExecContext(ctx, q, account); err != nil {
			return fmt.Errorf("history: forgetting %s: %w", account, err)
		}
	}
	return nil
}

// Accounts lists the accounts the log keeps anything about.
func (l *Log) Accounts(ctx context.Context) ([]string, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT account FROM waprivacy_history UNION SELECT account FROM waprivacy_last_known ORDER BY account`)
	if err != nil {
		return nil, fmt.Errorf("history: listing accounts: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
