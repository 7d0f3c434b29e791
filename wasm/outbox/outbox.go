// Package outbox keeps, in SQLite, the edits made while an account was
// offline, until they are applied on reconnection. Each edit remembers the
// settings it was made against, so that a field the phone changed in the
// meantime is recognised as a conflict for the person to settle rather
// than silently overwritten.
package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// State is where a queued edit stands.
type State string

const (
	Pending  State = "pending"  // waits for the connection
	Conflict State = "conflict" // the phone changed the same field; the person chooses
	Failed   State = "failed"   // WhatsApp refused it; the person retries or discards
)

// Edit is one queued change.
type Edit struct {
	ID      int64
	Account string
	At      time.Time
	// Update is the privacy change, or empty for a block edit.
	Update privacy.Update
	// Block is a blocklist change, or nil.
	Block *privacy.BlockEdit
	// Base is the account as the app knew it when the edit was made.
	Base    privacy.Snapshot
	State   State
	Problem string // why it failed
}

// Wanted is what the edit changes, against its base.
func (e Edit) Wanted() []privacy.Change {
	return privacy.Diff(e.Base, e.result(e.Base))
}

func (e Edit) result(s privacy.Snapshot) privacy.Snapshot {
	out := e.Update.ApplyTo(s)
	if b := e.Block; b != nil {
		out.Blocked = slices.DeleteFunc(out.Blocked, func(p string) bool { return p == b.Phone })
		if b.Blocked {
			out.Blocked = append(out.Blocked, b.Phone)
			slices.Sort(out.Blocked)
		}
	}
	return out
}

// Conflicts lists the values the edit sets that the phone changed to
// something else since the edit was made: Before is the phone's value now,
// After the edit's. Lists cannot conflict: adding or removing a phone
// means the same whoever else did it.
func (e Edit) Conflicts(live privacy.Snapshot) []privacy.Change {
	mine := e.result(e.Base)
	var out []privacy.Change
	for _, ch := range privacy.Diff(e.Base, mine) {
		if ch.Field.IsList() {
			continue
		}
		now := value(live, ch.Field)
		if now != value(e.Base, ch.Field) && now != ch.After {
			out = append(out, privacy.Change{Field: ch.Field, Before: now, After: ch.After})
		}
	}
	return out
}

// value is a setting's or the timer's value in s, as Change spells it.
func value(s privacy.Snapshot, f privacy.Field) string {
	if f == privacy.FieldTimer {
		return strconv.Itoa(int(s.DefaultTimer))
	}
	c, _ := f.Category()
	return string(s.Settings[c])
}

// Without returns the edit minus its changes to fields, and whether
// anything is left to do.
func (e Edit) Without(fields []privacy.Field) (Edit, bool) {
	out := e
	out.Update = privacy.Update{Except: e.Update.Except, Timer: e.Update.Timer}
	for c, v := range e.Update.Settings {
		if !slices.Contains(fields, privacy.SettingField(c)) {
			if out.Update.Settings == nil {
				out.Update.Settings = map[privacy.Category]privacy.Value{}
			}
			out.Update.Settings[c] = v
		}
	}
	if slices.Contains(fields, privacy.FieldTimer) {
		out.Update.Timer = nil
	}
	// An except-list edit sets its category to "my contacts except…": if
	// the person keeps the phone's value, the list edit goes too.
	for c := range e.Update.Except {
		if slices.Contains(fields, privacy.SettingField(c)) {
			out.Update.Except = nil
			for k, d := range e.Update.Except {
				if k != c {
					if out.Update.Except == nil {
						out.Update.Except = map[privacy.Category]privacy.ExceptDelta{}
					}
					out.Update.Except[k] = d
				}
			}
		}
	}
	return out, !out.Update.Empty() || out.Block != nil
}

// Outbox is the queue of a database's accounts.
type Outbox struct {
	db *sql.DB
}

// ErrNotFound is returned for an edit that is not queued.
var ErrNotFound = errors.New("outbox: no such edit")

const schema = `
CREATE TABLE IF NOT EXISTS waprivacy_outbox (
	id      INTEGER PRIMARY KEY,
	account TEXT NOT NULL,
	at      INTEGER NOT NULL, -- Unix milliseconds
	edit    TEXT NOT NULL,    -- JSON: update, block, base
	state   TEXT NOT NULL,
	problem TEXT NOT NULL DEFAULT ''
);`

// Open creates the queue's table in db if needed.
func Open(ctx context.Context, db *sql.DB) (*Outbox, error) {
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return nil, fmt.Errorf("outbox: creating the table: %w", err)
	}
	return &Outbox{db: db}, nil
}

// stored is the JSON column of an edit.
type stored struct {
	Update privacy.Update     `json:"update"`
	Block  *privacy.BlockEdit `json:"block,omitempty"`
	Base   privacy.Snapshot   `json:"base"`
}

// Add queues e as pending and returns it with its ID. The edit must be
// valid: queued edits are checked now, not when the person has gone.
func (o *Outbox) Add(ctx context.Context, e Edit) (Edit, error) {
	if e.Block == nil {
		if err := e.Update.Validate(); err != nil {
			return Edit{}, err
		}
	} else if !e.Update.Empty() {
		return Edit{}, errors.New("outbox: an edit is either a privacy update or a block, not both")
	}
	data, err := json.Marshal(stored{e.Update, e.Block, e.Base})
	if err != nil {
		return Edit{}, err
	}
	res, err := o.db.ExecContext(ctx, `INSERT INTO waprivacy_outbox (account, at, edit, state) VALUES (?, ?, ?, ?)`,
		e.Account, e.At.UnixMilli(), string(data), string(Pending))
	if err != nil {
		return Edit{}, fmt.Errorf("outbox: queueing: %w", err)
	}
	if e.ID, err = res.LastInsertId(); err != nil {
		return Edit{}, err
	}
	e.At, e.State, e.Problem = time.UnixMilli(e.At.UnixMilli()), Pending, ""
	return e, nil
}

// List returns account's queued edits, oldest first.
func (o *Outbox) List(ctx context.Context, account string) ([]Edit, error) {
	rows, err := o.db.QueryContext(ctx, `SELECT id, account, at, edit, state, problem FROM waprivacy_outbox WHERE account = ? ORDER BY id`, account)
	if err != nil {
		return nil, fmt.Errorf("outbox: listing: %w", err)
	}
	defer rows.Close()
	out := []Edit{}
	for rows.Next() {
		var e Edit
		var at int64
		var data, state string
		if err := rows.Scan(&e.ID, &e.Account, &at, &data, &state, &e.Problem); err != nil {
			return nil, err
		}
		var s stored
		if err := json.Unmarshal([]byte(data), &s); err != nil {
			return nil, fmt.Errorf("outbox: edit %d is damaged: %w", e.ID, err)
		}
		e.At, e.State, e.Update, e.Block, e.Base = time.UnixMilli(at), State(state), s.Update, s.Block, s.Base
		out = append(out, e)
	}
	return out, rows.Err()
}

// Get returns the queued edit with id.
func (o *Outbox) Get(ctx context.Context, account string, id int64) (Edit, error) {
	list, err := o.List(ctx, account)
	if err != nil {
		return Edit{}, err
	}
	if i := slices.IndexFunc(list, func(e Edit) bool { return e.ID == id }); i >= 0 {
		return list[i], nil
	}
	return Edit{}, ErrNotFound
}

// Mark records where edit id stands.
func (o *Outbox) Mark(ctx context.Context, id int64, state State, problem string) error {
	res, err := o.db.ExecContext(ctx, `UPDATE waprivacy_outbox SET state = ?, problem = ? WHERE id = ?`, string(state), problem, id)
	return affected(res, err)
}

// Replace stores e's new content under its ID, pending again.
func (o *Outbox) Replace(ctx context.Context, e Edit) error {
	data, err := json.Marshal(stored{e.Update, e.Block, e.Base})
	if err != nil {
		return err
	}
	res, err := o.db.ExecContext(ctx, `UPDATE waprivacy_outbox SET edit = ?, state = ?, problem = '' WHERE id = ?`, string(data), string(Pending), e.ID)
	return affected(res, err)
}

// Remove deletes edit id from the queue.
func (o *Outbox) Remove(ctx context.Context, id int64) error {
	res, err := o.db.ExecContext(ctx, `DELETE FROM waprivacy_outbox WHERE id = ?`, id)
	return affected(res, err)
}

// Forget deletes account's queue, for when it is unlinked.
func (o *Outbox) Forget(ctx context.Context, account string) error {
	_, err := o.db.ExecContext(ctx, `DELETE FROM waprivacy_outbox WHERE account = ?`, account)
	if err != nil {
		return fmt.Errorf("outbox: forgetting %s: %w", account, err)
	}
	return nil
}

// ForgetIn is Forget within tx, a transaction on the queue's database,
// so that the caller can forget more in the same one.
func (o *Outbox) ForgetIn(ctx context.Context, tx *sql.Tx, account string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM waprivacy_outbox WHERE account = ?`, account); err != nil {
		return fmt.Errorf("outbox: forgetting %s: %w", account, err)
	}
	return nil
}

// Accounts lists the accounts with queued edits.
func (o *Outbox) Accounts(ctx context.Context) ([]string, error) {
	rows, err := o.db.QueryContext(ctx, `SELECT DISTINCT account FROM waprivacy_outbox ORDER BY account`)
	if err != nil {
		return nil, fmt.Errorf("outbox: listing accounts: %w", err)
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

func affected(res sql.Result, err error) error {
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return ErrNotFound
	}
	return nil
}
