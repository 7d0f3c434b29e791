// Package tablock lets one browser tab at a time own a named resource,
// such as a linked account's store, through the Web Locks API
// (navigator.locks). The lock lasts until Release or until the tab goes
// away, crash included. Outside the browser the lock is per process.
package tablock

import (
	"errors"
	"sync"
)

// ErrHeld is returned by Acquire when the lock is taken: by another tab,
// or by this one already.
var ErrHeld = errors.New("the session is open in another tab")

// Lock is a held lock.
type Lock struct {
	once    sync.Once
	release func()
}

// Release gives the lock up, waiting until another tab could take it (so,
// in the browser, not from inside a js.FuncOf callback); later calls do
// nothing.
func (l *Lock) Release() {
	l.once.Do(l.release)
}
