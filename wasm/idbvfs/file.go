package idbvfs

import (
	"errors"
	"strconv"
	"strings"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/vfs"
)

// dbFile is the handle on a main database, whose contents it holds.
type dbFile struct {
	vfs  *VFS
	name string
	*image
	lock     vfs.LockLevel
	readOnly bool
	strict   bool // from PRAGMA synchronous: FULL or EXTRA
}

var (
	_ vfs.FileBatchAtomicWrite = &dbFile{}
	_ vfs.FilePragma           = &dbFile{}
	_ vfs.FileLockState        = &dbFile{}
)

// Close implements vfs.File.
func (f *dbFile) Close() error {
	err := f.Unlock(vfs.LOCK_NONE)
	f.vfs.closed(f.name)
	return err
}

// ReadAt implements vfs.File.
func (f *dbFile) ReadAt(p []byte, off int64) (int, error) {
	return f.readAt(p, off)
}

// WriteAt implements vfs.File. Writes stay in memory until SQLite commits.
func (f *dbFile) WriteAt(p []byte, off int64) (int, error) {
	if f.readOnly {
		return 0, sqlite3.READONLY
	}
	return f.writeAt(p, off)
}

// Truncate implements vfs.File.
func (f *dbFile) Truncate(size int64) error {
	if f.readOnly {
		return sqlite3.READONLY
	}
	return f.truncate(size)
}

// Size implements vfs.File.
func (f *dbFile) Size() (int64, error) {
	return f.size, nil
}

// Sync implements vfs.File. SQLite syncs the database at the end of a
// commit that did not take the batch-atomic path (the transaction spilled
// the page cache, or the database was empty): everything written since the
// last commit goes to the store at once.
func (f *dbFile) Sync(vfs.SyncFlag) error {
	return f.commit()
}

// BeginAtomicWrite implements vfs.FileBatchAtomicWrite. Writes collect in
// the overlay whatever the path, so there is nothing to start.
func (f *dbFile) BeginAtomicWrite() error {
	return nil
}

// CommitAtomicWrite implements vfs.FileBatchAtomicWrite: the transaction's
// pages reach the store as one atomic commit.
func (f *dbFile) CommitAtomicWrite() error {
	return f.commit()
}

// RollbackAtomicWrite implements vfs.FileBatchAtomicWrite.
func (f *dbFile) RollbackAtomicWrite() error {
	f.discard()
	return nil
}

func (f *dbFile) commit() error {
	if !f.changed() {
		return nil
	}
	if err := f.vfs.store.Commit(f.name, f.pending(f.strict)); err != nil {
		// The store still holds the previous commit; so does the file now.
		// SQLite rolls the transaction back and rewrites nothing else.
		f.discard()
		f.vfs.report(err)
		if errors.Is(err, ErrFull) {
			return vfs.SystemError(err, sqlite3.FULL)
		}
		return err
	}
	f.settle()
	return nil
}

// Pragma implements vfs.FilePragma, to learn the durability wanted from
// PRAGMA synchronous: FULL (the default) or EXTRA commit strictly, NORMAL
// relaxed. OFF is refused, because SQLite then skips the syncs and
// batch-atomic writes that persist its commits.
func (f *dbFile) Pragma(name, value string) (string, error) {
	if name != "synchronous" || value == "" {
		return "", sqlite3.NOTFOUND
	}
	switch syncLevel(value) {
	case 0:
		return "", errors.New("idbvfs: synchronous=OFF would never persist a commit; use NORMAL for relaxed durability")
	case 1:
		f.strict = false
	default:
		f.strict = true
	}
	return "", sqlite3.NOTFOUND // SQLite applies it as well
}

// syncLevel reads a PRAGMA synchronous value as SQLite does (pragma.c,
// getSafetyLevel): 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA; unknown words mean
// NORMAL.
func syncLevel(value string) int {
	if n, err := strconv.Atoi(value); err == nil {
		return min(max(n, 0), 3)
	}
	switch strings.ToLower(value) {
	case "off", "no", "false":
		return 0
	case "full":
		return 2
	case "extra":
		return 3
	default:
		return 1
	}
}

// Lock implements vfs.File. The handle is the database's only one, and
// other tabs are kept out by the caller (see package tablock), so every
// lock is granted.
func (f *dbFile) Lock(lock vfs.LockLevel) error {
	if f.readOnly && lock >= vfs.LOCK_RESERVED {
		return sqlite3.IOERR_LOCK
	}
	f.lock = max(f.lock, lock)
	return nil
}

// Unlock implements vfs.File. SQLite gives up its write lock only when the
// file holds a whole committed database, so whatever is left in the
// overlay then belongs in the store: the truncation that SQLite does after
// a shrinking commit, which it does not sync.
func (f *dbFile) Unlock(lock vfs.LockLevel) error {
	var err error
	if f.lock >= vfs.LOCK_RESERVED && lock < vfs.LOCK_RESERVED {
		err = f.commit()
	}
	f.lock = min(f.lock, lock)
	return err
}

// CheckReservedLock implements vfs.File.
func (f *dbFile) CheckReservedLock() (bool, error) {
	return f.lock >= vfs.LOCK_RESERVED, nil
}

// LockState implements vfs.FileLockState.
func (f *dbFile) LockState() vfs.LockLevel {
	return f.lock
}

// SectorSize implements vfs.File.
func (*dbFile) SectorSize() int {
	return blockSize
}

// DeviceCharacteristics implements vfs.File. IOCAP_BATCH_ATOMIC lets
// SQLite keep the journal in memory and hand each transaction over in one
// batch, which the store commits atomically.
func (*dbFile) DeviceCharacteristics() vfs.DeviceCharacteristic {
	return vfs.IOCAP_BATCH_ATOMIC |
		vfs.IOCAP_SAFE_APPEND |
		vfs.IOCAP_SEQUENTIAL |
		vfs.IOCAP_POWERSAFE_OVERWRITE
}
