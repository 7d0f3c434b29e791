package appstate

import (
	"context"
	"strings"
)

// Diagnostics is the state of the page's database that a crash test
// checks once the page is back: SQLite's own integrity check, and how
// many updates the journal still holds open.
type Diagnostics struct {
	Integrity   string `json:"integrity"` // "ok", or what PRAGMA integrity_check found
	OpenUpdates int    `json:"openUpdates"`
}

// Diagnostics runs the checks on the started core's database.
func (c *Core) Diagnostics(ctx context.Context) (Diagnostics, error) {
	if !c.isStarted() {
		return Diagnostics{}, ErrNotStarted
	}
	rows, err := c.store.DB().QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return Diagnostics{}, err
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return Diagnostics{}, err
		}
		found = append(found, line)
	}
	if err := rows.Err(); err != nil {
		return Diagnostics{}, err
	}
	open, err := c.journal.Count(ctx)
	return Diagnostics{Integrity: strings.Join(found, "; "), OpenUpdates: open}, err
}
