package idbvfs

import (
	"errors"
	"maps"
	"sync"
)

// ErrFull is the cause of a commit that the browser refused for lack of
// space (IndexedDB's QuotaExceededError). SQLite reports it as SQLITE_FULL.
var ErrFull = errors.New("browser storage is full")

// Image is a file as a Store holds it.
type Image struct {
	Size int64
	// Blocks are the file's contents in blocks of 4096 bytes, by index;
	// missing blocks read as zeros.
	Blocks map[int64][]byte
}

// Commit is one transaction's changes to a file.
type Commit struct {
	// Size is the file's new size.
	Size int64
	// Blocks are the new contents by block index; a nil block is deleted.
	// The VFS never modifies them afterwards, so a Store may keep them.
	Blocks map[int64][]byte
	// Strict asks for the data to be on disk before Commit returns, rather
	// than only ordered after earlier commits.
	Strict bool
}

// A Store persists files for the VFS.
type Store interface {
	// Load returns file's committed image; ok is false if file was never
	// committed.
	Load(file string) (img Image, ok bool, err error)
	// Commit applies c to file all or nothing. An error wrapping ErrFull
	// means the storage quota is exhausted.
	Commit(file string, c Commit) error
}

// MemoryStore keeps files in process memory: the stand-in for IndexedDB
// outside the browser. Files outlive the VFS instances that use them, as
// they would outlive a page in IndexedDB.
type MemoryStore struct {
	mu    sync.Mutex
	files map[string]Image
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{files: map[string]Image{}}
}

// Load implements Store.
func (s *MemoryStore) Load(file string) (Image, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	img, ok := s.files[file]
	img.Blocks = maps.Clone(img.Blocks)
	return img, ok, nil
}

// Commit implements Store.
func (s *MemoryStore) Commit(file string, c Commit) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	img := s.files[file]
	if img.Blocks == nil {
		img.Blocks = map[int64][]byte{}
	}
	for i, b := range c.Blocks {
		if b == nil {
			delete(img.Blocks, i)
		} else {
			img.Blocks[i] = b
		}
	}
	img.Size = c.Size
	s.files[file] = img
	return nil
}
