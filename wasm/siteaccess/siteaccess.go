// Package siteaccess remembers, in SQLite, what each site that embeds the
// widget may do with each linked account, as the person decided inside
// the widget: nothing, read the settings, or read and change them. A site
// the person was never asked about has no record, and gets nothing.
package siteaccess

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Access is what a site may do with an account.
type Access string

const (
	// Undecided: the person has not been asked, or withdrew their answer.
	Undecided Access = ""
	// Denied: the person said no; the site is not asked again until the
	// answer is withdrawn.
	Denied Access = "denied"
	// Read: the site may read the settings, lists and events.
	Read Access = "read"
	// Change: the site may read and change them.
	Change Access = "change"
)

// Allows reports whether a site with this access may read (change false)
// or change (change true) the account.
func (a Access) Allows(change bool) bool {
	return a == Change || (a == Read && !change)
}

// Grant is one decision.
type Grant struct {
	Origin  string
	Account string
	Access  Access
	At      time.Time
}

// Store keeps the decisions of a database's accounts.
type Store struct {
	db *sql.DB
}

const schema = `
CREATE TABLE IF NOT EXISTS waprivacy_site_access (
	origin  TEXT NOT NULL,
	account TEXT NOT NULL,
	access  TEXT NOT NULL,
	at      INTEGER NOT NULL, -- Unix milliseconds
	PRIMARY KEY (origin, account)
);`

// Open creates the table in db if needed.
func Open(ctx context.Context, db *sql.DB) (*Store, error) {
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return nil, fmt.Errorf("siteaccess: creating the table: %w", err)
	}
	return &Store{db: db}, nil
}

// ErrBadOrigin is returned for an origin that is not a web page's:
// scheme, host and optional port, nothing else. A sandboxed page's origin,
// "null", is one, and can never be granted anything.
var ErrBadOrigin = errors.New("siteaccess: not a site's origin")

// CheckOrigin returns ErrBadOrigin unless origin is serialized as a
// browser serializes an http(s) page's origin.
func CheckOrigin(origin string) error {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" ||
		(&url.URL{Scheme: u.Scheme, Host: u.Host}).String() != origin {
		return fmt.Errorf("%w: %q", ErrBadOrigin, origin)
	}
	return nil
}

// Set records the person's decision about origin for account.
func (s *Store) Set(ctx context.Context, g Grant) error {
	if err := CheckOrigin(g.Origin); err != nil {
		return err
	}
	switch {
	case g.Account == "":
		return errors.New("siteaccess: a decision needs an account")
	case g.Access != Denied && g.Access != Read && g.Access != Change:
		return fmt.Errorf("siteaccess: unknown access %q", g.Access)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO waprivacy_site_access (origin, account, access, at) VALUES (?, ?, ?, ?)
		ON CONFLICT (origin, account) DO UPDATE SET access = excluded.access, at = excluded.at`,
		g.Origin, g.Account, string(g.Access), g.At.UnixMilli())
	if err != nil {
		return fmt.Errorf("siteaccess: saving the decision about %s: %w", g.Origin, err)
	}
	return nil
}

// Withdraw forgets the decision about origin for account: the site gets
// nothing until the person is asked again.
func (s *Store) Withdraw(ctx context.Context, origin, account string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM waprivacy_site_access WHERE origin = ? AND account = ?`, origin, account); err != nil {
		return fmt.Errorf("siteaccess: withdrawing the access of %s: %w", origin, err)
	}
	return nil
}

// List returns every decision about account, by origin.
func (s *Store) List(ctx context.Context, account string) ([]Grant, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT origin, access, at FROM waprivacy_site_access WHERE account = ? ORDER BY origin`, account)
	if err != nil {
		return nil, fmt.Errorf("siteaccess: listing sites: %w", err)
	}
	defer rows.Close()
	var out []Grant
	for rows.Next() {
		g := Grant{Account: account}
		var ms int64
		if err := rows.Scan(&g.Origin, &g.Access, &ms); err != nil {
			return nil, fmt.Errorf("siteaccess: listing sites: %w", err)
		}
		g.At = time.UnixMilli(ms)
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("siteaccess: listing sites: %w", err)
	}
	return out, nil
}

// ForgetIn deletes every decision about account within tx, a transaction
// on the store's database, for when the account is unlinked.
func (s *Store) ForgetIn(ctx context.Context, tx *sql.Tx, account string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM waprivacy_site_access WHERE account = ?`, account); err != nil {
		return fmt.Errorf("siteaccess: forgetting the sites of %s: %w", account, err)
	}
	return nil
}
