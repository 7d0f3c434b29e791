package appstate

import "database/sql"

// DB is the database of a started core, for tests that break it.
func DB(c *Core) *sql.DB { return c.store.DB() }
