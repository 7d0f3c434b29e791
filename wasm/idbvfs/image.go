package idbvfs

import (
	"errors"
	"fmt"
	"io"
)

// blockSize is the unit in which files are kept and persisted: SQLite's
// default page size, so that writing a page touches one block.
const blockSize = 4096

var errNegativeOffset = errors.New("idbvfs: negative offset")

// image is one file's contents in memory: the committed blocks, as the
// store holds them, under an overlay of the writes that are not committed
// yet. Committed blocks are never modified in place (a write copies the
// block into the overlay first), so the store may keep the slices it is
// given.
type image struct {
	committed [][]byte // by block index; a nil block reads as zeros
	savedSize int64

	dirty map[int64][]byte // a nil entry is a block cut off by truncation
	size  int64
}

func newImage(img Image) (*image, error) {
	if img.Size < 0 {
		return nil, fmt.Errorf("idbvfs: stored size %d is negative", img.Size)
	}
	m := &image{
		committed: make([][]byte, blocksFor(img.Size)),
		savedSize: img.Size,
		dirty:     map[int64][]byte{},
		size:      img.Size,
	}
	for i, b := range img.Blocks {
		if i < 0 || len(b) != blockSize {
			return nil, fmt.Errorf("idbvfs: stored block %d has %d bytes, want %d", i, len(b), blockSize)
		}
		// A block past the end cannot be read; it is left behind only if
		// the store lost a deletion, so ignoring it is safe.
		if i < int64(len(m.committed)) {
			m.committed[i] = b
		}
	}
	return m, nil
}

// blocksFor is the number of blocks that hold size bytes.
func blocksFor(size int64) int64 {
	return (size + blockSize - 1) / blockSize
}

// block returns the current contents of block i, or nil for zeros. The
// result must not be modified.
func (m *image) block(i int64) []byte {
	if b, ok := m.dirty[i]; ok {
		return b
	}
	if i < int64(len(m.committed)) {
		return m.committed[i]
	}
	return nil
}

// writable returns block i in the overlay, copying it there first.
func (m *image) writable(i int64) []byte {
	if b := m.dirty[i]; b != nil {
		return b
	}
	b := make([]byte, blockSize)
	copy(b, m.block(i))
	m.dirty[i] = b
	return b
}

func (m *image) readAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errNegativeOffset
	}
	if off >= m.size {
		return 0, io.EOF
	}
	want := min(int64(len(p)), m.size-off)
	n := 0
	for int64(n) < want {
		pos := off + int64(n)
		i, o := pos/blockSize, pos%blockSize
		chunk := p[n:want]
		if len(chunk) > blockSize-int(o) {
			chunk = chunk[:blockSize-int(o)]
		}
		if b := m.block(i); b != nil {
			copy(chunk, b[o:])
		} else {
			clear(chunk)
		}
		n += len(chunk)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (m *image) writeAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errNegativeOffset
	}
	for n := 0; n < len(p); {
		pos := off + int64(n)
		i, o := pos/blockSize, pos%blockSize
		n += copy(m.writable(i)[o:], p[n:])
	}
	m.size = max(m.size, off+int64(len(p)))
	return len(p), nil
}

func (m *image) truncate(size int64) error {
	if size < 0 {
		return errNegativeOffset
	}
	if size < m.size {
		keep := blocksFor(size)
		for i := range m.dirty {
			if i >= keep {
				delete(m.dirty, i)
			}
		}
		// Committed blocks past the end get tombstones: they must read as
		// zeros if the file grows again, and be deleted from the store.
		for i := keep; i < int64(len(m.committed)); i++ {
			if m.committed[i] != nil {
				m.dirty[i] = nil
			}
		}
		if o := size % blockSize; o != 0 && m.block(size/blockSize) != nil {
			clear(m.writable(size / blockSize)[o:])
		}
	}
	m.size = size
	return nil
}

// changed reports whether the overlay holds anything to commit.
func (m *image) changed() bool {
	return len(m.dirty) > 0 || m.size != m.savedSize
}

// pending is the overlay as a commit for the store.
func (m *image) pending(strict bool) Commit {
	return Commit{Size: m.size, Blocks: m.dirty, Strict: strict}
}

// settle makes the overlay committed, once the store has it.
func (m *image) settle() {
	keep := blocksFor(m.size)
	for int64(len(m.committed)) < keep {
		m.committed = append(m.committed, nil)
	}
	m.committed = m.committed[:keep]
	for i, b := range m.dirty {
		if i < keep {
			m.committed[i] = b
		}
	}
	m.dirty = map[int64][]byte{}
	m.savedSize = m.size
}

// discard drops the overlay: the file is back to what the store holds.
func (m *image) discard() {
	m.dirty = map[int64][]byte{}
	m.size = m.savedSize
}
