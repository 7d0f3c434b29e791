package idbvfs

import (
	"bytes"
	"io"
	"testing"
)

func readAll(t *testing.T, m *image) []byte {
	t.Helper()
	p := make([]byte, m.size)
	if n, err := m.readAt(p, 0); n != len(p) || (err != nil && err != io.EOF) {
		t.Fatalf("readAt: %d bytes, %v", n, err)
	}
	return p
}

func TestImageWritesSpanBlocksAndReadBack(t *testing.T) {
	m, err := newImage(Image{})
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("abcdefg"), 2000) // 14000 bytes, unaligned
	if _, err := m.writeAt(data, 100); err != nil {
		t.Fatal(err)
	}
	want := append(make([]byte, 100), data...)
	if got := readAll(t, m); !bytes.Equal(got, want) {
		t.Fatal("read back differs from what was written")
	}
	if len(m.dirty) != int(blocksFor(int64(len(want)))) {
		t.Errorf("%d dirty blocks, want %d", len(m.dirty), blocksFor(int64(len(want))))
	}
	p := make([]byte, 10)
	if n, err := m.readAt(p, int64(len(want))-4); n != 4 || err != io.EOF {
		t.Errorf("read across the end: %d bytes, %v; want 4, EOF", n, err)
	}
	if _, err := m.readAt(p, -1); err == nil {
		t.Error("a negative offset was accepted")
	}
}

func TestImageDiscardAndSettle(t *testing.T) {
	m, _ := newImage(Image{})
	m.writeAt([]byte("committed"), 0)
	m.settle()
	if m.changed() {
		t.Fatal("changed right after settle")
	}
	m.writeAt([]byte("CHANGED"), 0)
	m.writeAt([]byte("tail"), 3*blockSize)
	m.discard()
	if got := readAll(t, m); string(got) != "committed" {
		t.Fatalf("after discard the file reads %q", got)
	}
}

func TestImageTruncateThenGrowReadsZeros(t *testing.T) {
	m, _ := newImage(Image{})
	m.writeAt(bytes.Repeat([]byte{0xAA}, 5*blockSize), 0)
	m.settle()

	m.truncate(blockSize + 10)
	m.writeAt([]byte{1}, 4*blockSize)
	got := readAll(t, m)
	if len(got) != 4*blockSize+1 {
		t.Fatalf("size %d", len(got))
	}
	for i, b := range got[blockSize+10 : 4*blockSize] {
		if b != 0 {
			t.Fatalf("byte %d past the truncation reads %#x, want 0", blockSize+10+i, b)
		}
	}
	c := m.pending(true)
	if b, ok := c.Blocks[2]; !ok || b != nil {
		t.Error("the commit does not delete block 2, cut off by the truncation")
	}
	m.settle()
	if !bytes.Equal(readAll(t, m), got) {
		t.Error("settling changed the contents")
	}
}

func TestNewImageRejectsBadBlocks(t *testing.T) {
	if _, err := newImage(Image{Size: blockSize, Blocks: map[int64][]byte{0: make([]byte, 10)}}); err == nil {
		t.Error("a short block was accepted")
	}
	if _, err := newImage(Image{Size: -1}); err == nil {
		t.Error("a negative size was accepted")
	}
}
