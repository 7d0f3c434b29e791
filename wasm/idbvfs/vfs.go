package idbvfs

import (
	"errors"
	"fmt"
	"sync"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/util/vfsutil"
	"github.com/ncruces/go-sqlite3/vfs"
)

// VFS is an SQLite VFS whose databases live in memory and reach a Store
// one committed transaction at a time. Register it with vfs.Register and
// select it with the "vfs" URI parameter.
type VFS struct {
	store    Store
	failures chan error

	mu   sync.Mutex
	open map[string]bool // main databases with an open handle
}

// New returns a VFS that persists to s.
func New(s Store) *VFS {
	return &VFS{store: s, failures: make(chan error, 1), open: map[string]bool{}}
}

// Failures delivers the error of a commit that the store refused, so the
// app can tell the user even when the caller of the failed statement only
// logs it. errors.Is(err, ErrFull) means storage is full. One unread error
// is kept; later ones are dropped until it is read.
func (v *VFS) Failures() <-chan error {
	return v.failures
}

func (v *VFS) report(err error) {
	select {
	case v.failures <- err:
	default:
	}
}

// Open implements vfs.VFS.
func (v *VFS) Open(name string, flags vfs.OpenFlag) (vfs.File, vfs.OpenFlag, error) {
	switch {
	case flags&vfs.OPEN_MAIN_DB != 0:
		return v.openMain(name, flags)
	case flags&vfs.OPEN_WAL != 0:
		// A WAL would need shared memory and would not be persisted.
		return nil, flags, sqlite3.CANTOPEN
	default:
		// Journals and temporary files stay in memory: every commit reaches
		// the store atomically, so there is never a journal to recover from.
		// SQLite does not lock these files.
		return &vfsutil.SliceFile{}, flags, nil
	}
}

func (v *VFS) openMain(name string, flags vfs.OpenFlag) (vfs.File, vfs.OpenFlag, error) {
	if name == "" {
		return nil, flags, vfs.SystemError(errors.New("idbvfs: a database needs a name"), sqlite3.CANTOPEN)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	// One handle per database: with batch-atomic commits SQLite does not
	// bump the change counter unless page 1 changes, so a second
	// connection could not tell that its cached pages went stale.
	if v.open[name] {
		return nil, flags, vfs.SystemError(fmt.Errorf("idbvfs: %q is already open; use a single connection (sql.DB.SetMaxOpenConns(1))", name), sqlite3.CANTOPEN)
	}
	img, ok, err := v.store.Load(name)
	if err != nil {
		return nil, flags, vfs.SystemError(err, sqlite3.CANTOPEN)
	}
	if !ok && flags&vfs.OPEN_CREATE == 0 {
		return nil, flags, sqlite3.CANTOPEN
	}
	m, err := newImage(img)
	if err != nil {
		return nil, flags, vfs.SystemError(err, sqlite3.CANTOPEN)
	}
	v.open[name] = true
	return &dbFile{
		vfs:      v,
		name:     name,
		image:    m,
		readOnly: flags&vfs.OPEN_READONLY != 0,
		strict:   true, // SQLite's default is synchronous=FULL
	}, flags, nil
}

func (v *VFS) closed(name string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.open, name)
}

// Delete implements vfs.VFS. SQLite only deletes journals, which vanish
// with their handles anyway.
func (v *VFS) Delete(name string, syncDir bool) error {
	return nil
}

// Access implements vfs.VFS. SQLite asks about journals, to roll back a
// hot one; journals are never persisted, so there is none.
func (v *VFS) Access(name string, flags vfs.AccessFlag) (bool, error) {
	return false, nil
}

// FullPathname implements vfs.VFS: names are keys in the store, not paths.
func (v *VFS) FullPathname(name string) (string, error) {
	return name, nil
}
