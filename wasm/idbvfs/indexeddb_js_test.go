//go:build js

package idbvfs

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"syscall/js"
	"testing"
	"time"
)

// openTestIDB opens a fresh IndexedDB database, deleted after the test.
func openTestIDB(t testing.TB) (*IndexedDB, string) {
	t.Helper()
	name := "idbvfs-test-" + rand.Text()
	idb, err := OpenIndexedDB(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		idb.Close()
		js.Global().Get("indexedDB").Call("deleteDatabase", name)
	})
	return idb, name
}

func block(fill byte) []byte {
	return bytes.Repeat([]byte{fill}, blockSize)
}

func TestIndexedDBCommitsAndLoads(t *testing.T) {
	idb, name := openTestIDB(t)
	if _, ok, err := idb.Load("a.db"); ok || err != nil {
		t.Fatalf("Load of a file never committed: ok=%v, %v", ok, err)
	}
	if err := idb.Commit("a.db", Commit{Size: 3 * blockSize, Blocks: map[int64][]byte{0: block(1), 1: block(2), 2: block(3)}, Strict: true}); err != nil {
		t.Fatal(err)
	}
	if err := idb.Commit("b.db", Commit{Size: blockSize, Blocks: map[int64][]byte{0: block(9)}}); err != nil {
		t.Fatal(err)
	}
	if err := idb.Commit("a.db", Commit{Size: 2*blockSize - 100, Blocks: map[int64][]byte{1: block(5), 2: nil}}); err != nil {
		t.Fatal(err)
	}

	// A second connection sees what the first committed.
	other, err := OpenIndexedDB(name)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	img, ok, err := other.Load("a.db")
	if err != nil || !ok {
		t.Fatalf("Load: ok=%v, %v", ok, err)
	}
	if img.Size != 2*blockSize-100 {
		t.Errorf("size %d, want %d", img.Size, 2*blockSize-100)
	}
	keys := slices.Sorted(func(yield func(int64) bool) {
		for k := range img.Blocks {
			yield(k)
		}
	})
	if fmt.Sprint(keys) != "[0 1]" || !bytes.Equal(img.Blocks[0], block(1)) || !bytes.Equal(img.Blocks[1], block(5)) {
		t.Errorf("blocks %v, want 0 and the rewritten 1; block 2 deleted", keys)
	}
	if img, _, _ := other.Load("b.db"); len(img.Blocks) != 1 || img.Blocks[0][0] != 9 {
		t.Error("another file's blocks mixed up")
	}
}

func TestQuotaExceededBecomesErrFull(t *testing.T) {
	exc := js.Global().Get("DOMException").New("The quota has been exceeded.", "QuotaExceededError")
	if err := domError(exc); !errors.Is(err, ErrFull) {
		t.Errorf("QuotaExceededError became %v, want ErrFull", err)
	}
	other := js.Global().Get("DOMException").New("boom", "UnknownError")
	if err := domError(other); errors.Is(err, ErrFull) || err.Error() != "UnknownError: boom" {
		t.Errorf("UnknownError became %v", err)
	}
}

func TestClosedConnectionFailsCleanly(t *testing.T) {
	idb, _ := openTestIDB(t)
	idb.Close()
	if err := idb.Commit("a.db", Commit{Size: blockSize, Blocks: map[int64][]byte{0: block(1)}}); err == nil {
		t.Error("a commit on a closed connection succeeded")
	}
	if _, _, err := idb.Load("a.db"); err == nil {
		t.Error("a load on a closed connection succeeded")
	}
}

func TestSQLiteSurvivesReopeningFromIndexedDB(t *testing.T) {
	idb, name := openTestIDB(t)
	conn := open(t, New(idb), "app.db", "")
	mustExec(t, conn, `CREATE TABLE t (id INTEGER PRIMARY KEY, pad BLOB)`)
	for i := range 30 {
		if err := insertRow(conn, i, 1500); err != nil {
			t.Fatal(err)
		}
	}
	want := queryText(t, conn, `SELECT group_concat(hex(pad), '' ORDER BY id) FROM t`)

	again, err := OpenIndexedDB(name)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	fresh := open(t, New(again), "app.db", "")
	checkIntegrity(t, fresh)
	if got := queryText(t, fresh, `SELECT group_concat(hex(pad), '' ORDER BY id) FROM t`); got != want {
		t.Error("the reopened table differs from what was committed")
	}
}

// BenchmarkCommit measures single-row commits to IndexedDB: the figures
// per commit are ns/op, p50-ms and p99-ms.
func BenchmarkCommit(b *testing.B) {
	for _, mode := range []struct{ name, params string }{
		{"strict", ""},
		{"relaxed", "&_pragma=synchronous(normal)"},
	} {
		b.Run(mode.name, func(b *testing.B) {
			idb, _ := openTestIDB(b)
			conn := open(b, New(idb), "bench.db", mode.params)
			mustExec(b, conn, `CREATE TABLE t (id INTEGER PRIMARY KEY, pad BLOB)`)
			stmt, _, err := conn.Prepare(`INSERT INTO t (pad) VALUES (randomblob(200))`)
			if err != nil {
				b.Fatal(err)
			}
			defer stmt.Close()
			// Warm up, so that the figures are not the JIT's first tiers.
			for range 50 {
				if err := stmt.Exec(); err != nil {
					b.Fatal(err)
				}
			}
			latencies := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				if err := stmt.Exec(); err != nil {
					b.Fatal(err)
				}
				latencies = append(latencies, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(latencies)
			pct := func(p float64) float64 {
				return float64(latencies[int(p*float64(len(latencies)-1))]) / float64(time.Millisecond)
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			b.ReportMetric(float64(len(latencies))/b.Elapsed().Seconds(), "commits/s")
		})
	}
}
