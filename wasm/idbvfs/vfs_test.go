package idbvfs

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/vfs"
)

// testStore is a MemoryStore that counts commits and fails on demand.
type testStore struct {
	*MemoryStore
	mu      sync.Mutex
	commits int
	strict  []bool
	fail    []error // returned by the next commits, in order
	broken  error   // returned by every commit once set
}

func newTestStore() *testStore {
	return &testStore{MemoryStore: NewMemoryStore()}
}

func (s *testStore) Commit(file string, c Commit) error {
	s.mu.Lock()
	s.commits++
	s.strict = append(s.strict, c.Strict)
	err := s.broken
	if err == nil && len(s.fail) > 0 {
		err, s.fail = s.fail[0], s.fail[1:]
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.MemoryStore.Commit(file, c)
}

func (s *testStore) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commits
}

// journalCounter counts the rollback journals SQLite opens: none means the
// transaction took the batch-atomic path.
type journalCounter struct {
	vfs.VFS
	journals *atomic.Int32
}

func (j journalCounter) Open(name string, flags vfs.OpenFlag) (vfs.File, vfs.OpenFlag, error) {
	if flags&vfs.OPEN_MAIN_JOURNAL != 0 {
		j.journals.Add(1)
	}
	return j.VFS.Open(name, flags)
}

var vfsNames atomic.Int32

// open registers v under a fresh name and opens file on it.
func open(t testing.TB, v vfs.VFS, file, params string) *sqlite3.Conn {
	t.Helper()
	name := fmt.Sprintf("idbvfs-test-%d", vfsNames.Add(1))
	vfs.Register(name, v)
	t.Cleanup(func() { vfs.Unregister(name) })
	conn, err := sqlite3.Open("file:" + file + "?vfs=" + name + params)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func mustExec(t testing.TB, conn *sqlite3.Conn, sql string) {
	t.Helper()
	if err := conn.Exec(sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func queryText(t testing.TB, conn *sqlite3.Conn, sql string) string {
	t.Helper()
	stmt, _, err := conn.Prepare(sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer stmt.Close()
	if !stmt.Step() {
		t.Fatalf("%s: no row: %v", sql, stmt.Err())
	}
	return stmt.ColumnText(0)
}

func insertRow(conn *sqlite3.Conn, id int, size int) error {
	stmt, _, err := conn.Prepare(`INSERT INTO t (id, pad) VALUES (?, randomblob(?))`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	stmt.BindInt(1, id)
	stmt.BindInt(2, size)
	return stmt.Exec()
}

func checkIntegrity(t testing.TB, conn *sqlite3.Conn) {
	t.Helper()
	if got := queryText(t, conn, `PRAGMA integrity_check`); got != "ok" {
		t.Fatalf("integrity_check: %s", got)
	}
}

func TestSmallCommitsTakeTheBatchAtomicPath(t *testing.T) {
	store := newTestStore()
	var journals atomic.Int32
	conn := open(t, journalCounter{New(store), &journals}, "batch.db", "")
	mustExec(t, conn, `CREATE TABLE t (id INTEGER PRIMARY KEY, pad BLOB)`)

	commits, opened := store.count(), journals.Load()
	for i := range 20 {
		if err := insertRow(conn, i, 3000); err != nil {
			t.Fatal(err)
		}
	}
	if got := store.count() - commits; got != 20 {
		t.Errorf("20 transactions made %d store commits, want one each", got)
	}
	if got := journals.Load() - opened; got != 0 {
		t.Errorf("20 small transactions opened %d journals; they should take the batch-atomic path", got)
	}

	// A fresh VFS reads the store like a reloaded page reads IndexedDB.
	again := open(t, New(store), "batch.db", "")
	if got := queryText(t, again, `SELECT count(*) FROM t`); got != "20" {
		t.Errorf("reopened database has %s rows, want 20", got)
	}
	checkIntegrity(t, again)
}

func TestSpilledTransactionCommitsOnceAtSync(t *testing.T) {
	store := newTestStore()
	var journals atomic.Int32
	conn := open(t, journalCounter{New(store), &journals}, "spill.db", "&_pragma=cache_size(10)")
	mustExec(t, conn, `CREATE TABLE t (id INTEGER PRIMARY KEY, pad BLOB)`)

	commits, opened := store.count(), journals.Load()
	mustExec(t, conn, `BEGIN`)
	for i := range 500 {
		if err := insertRow(conn, i, 1000); err != nil {
			t.Fatal(err)
		}
	}
	if got := store.count() - commits; got != 0 {
		t.Fatalf("the store got %d commits before COMMIT", got)
	}
	mustExec(t, conn, `COMMIT`)
	if got := store.count() - commits; got != 1 {
		t.Errorf("a spilled transaction made %d store commits, want 1", got)
	}
	if journals.Load() == opened {
		t.Error("no journal was opened: the transaction did not spill, so the test proves nothing")
	}

	again := open(t, New(store), "spill.db", "")
	if got := queryText(t, again, `SELECT count(*) FROM t`); got != "500" {
		t.Errorf("reopened database has %s rows, want 500", got)
	}
	checkIntegrity(t, again)
}

func TestFullStoreFailsWithSQLiteFullAndKeepsTheLastCommit(t *testing.T) {
	for _, tc := range []struct{ name, params string }{
		{"batch", ""},
		{"spilled", "&_pragma=cache_size(10)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := newTestStore()
			v := New(store)
			conn := open(t, v, "full.db", tc.params)
			mustExec(t, conn, `CREATE TABLE t (id INTEGER PRIMARY KEY, pad BLOB)`)
			if err := insertRow(conn, 1, 100); err != nil {
				t.Fatal(err)
			}

			store.fail = []error{fmt.Errorf("%w: QuotaExceededError", ErrFull)}
			mustExec(t, conn, `BEGIN`)
			for i := 2; i < 300; i++ {
				if err := insertRow(conn, i, 1000); err != nil {
					t.Fatal(err)
				}
			}
			err := conn.Exec(`COMMIT`)
			if !errors.Is(err, sqlite3.FULL) {
				t.Fatalf("COMMIT on a full store: %v, want SQLITE_FULL", err)
			}
			select {
			case got := <-v.Failures():
				if !errors.Is(got, ErrFull) {
					t.Errorf("Failures delivered %v, want ErrFull", got)
				}
			default:
				t.Error("the refused commit was not reported on Failures")
			}
			if conn.GetAutocommit() == false {
				mustExec(t, conn, `ROLLBACK`)
			}
			if got := queryText(t, conn, `SELECT group_concat(id) FROM t`); got != "1" {
				t.Errorf("after the refused commit the table holds ids %q, want 1", got)
			}
			checkIntegrity(t, conn)

			// Once space is back, commits work again.
			if err := insertRow(conn, 2, 100); err != nil {
				t.Fatal(err)
			}
			again := open(t, New(store), "full.db", "")
			if got := queryText(t, again, `SELECT group_concat(id) FROM t`); got != "1,2" {
				t.Errorf("reopened, the table holds ids %q, want 1,2", got)
			}
			checkIntegrity(t, again)
		})
	}
}

func TestFailedBatchIsRetriedThroughTheJournal(t *testing.T) {
	store := newTestStore()
	v := New(store)
	conn := open(t, v, "retry.db", "")
	mustExec(t, conn, `CREATE TABLE t (id INTEGER PRIMARY KEY, pad BLOB)`)

	// SQLite answers an I/O error from the batch with a journaled retry.
	store.fail = []error{errors.New("transient")}
	if err := insertRow(conn, 1, 100); err != nil {
		t.Fatalf("one transient failure: %v", err)
	}
	<-v.Failures()

	store.broken = errors.New("the database connection is closing")
	err := insertRow(conn, 2, 100)
	if !errors.Is(err, sqlite3.IOERR) {
		t.Fatalf("a broken store: %v, want SQLITE_IOERR", err)
	}
	store.broken = nil
	if got := queryText(t, conn, `SELECT group_concat(id) FROM t`); got != "1" {
		t.Errorf("after the failures the table holds ids %q, want 1", got)
	}
	checkIntegrity(t, conn)
}

func TestDurabilityFollowsPragmaSynchronous(t *testing.T) {
	store := newTestStore()
	conn := open(t, New(store), "durability.db", "")
	mustExec(t, conn, `CREATE TABLE t (id INTEGER PRIMARY KEY, pad BLOB)`)
	for _, step := range []struct {
		pragma string
		strict bool
	}{
		{"", true}, // SQLite's default is FULL
		{"PRAGMA synchronous=NORMAL", false},
		{"PRAGMA synchronous=2", true},
		{"PRAGMA synchronous=normal", false},
		{"PRAGMA synchronous=EXTRA", true},
	} {
		if step.pragma != "" {
			mustExec(t, conn, step.pragma)
		}
		before := store.count()
		if err := insertRow(conn, before, 10); err != nil {
			t.Fatal(err)
		}
		if store.strict[len(store.strict)-1] != step.strict {
			t.Errorf("after %q the commit's Strict is %v, want %v", step.pragma, !step.strict, step.strict)
		}
	}
	if err := conn.Exec(`PRAGMA synchronous=OFF`); err == nil || !strings.Contains(err.Error(), "NORMAL") {
		t.Errorf("PRAGMA synchronous=OFF: %v, want a refusal that suggests NORMAL", err)
	}
}

func TestCrashLeavesExactlyTheCommittedTransactions(t *testing.T) {
	store := newTestStore()
	conn := open(t, New(store), "crash.db", "&_pragma=cache_size(20)")
	mustExec(t, conn, `CREATE TABLE t (id INTEGER PRIMARY KEY, tx INTEGER, pad BLOB)`)

	// Transactions of varied size, some spilling the small cache, until
	// the store dies as a killed browser would: nothing after reaches it.
	committed := map[int]int{} // tx -> rows
	id := 0
	for tx := 1; tx <= 60; tx++ {
		if tx == 45 {
			store.broken = errors.New("browser killed")
		}
		rows := 1 + (tx*37)%120
		mustExec(t, conn, `BEGIN`)
		for range rows {
			id++
			stmt, _, _ := conn.Prepare(`INSERT INTO t VALUES (?, ?, randomblob(700))`)
			stmt.BindInt(1, id)
			stmt.BindInt(2, tx)
			err := stmt.Exec()
			stmt.Close()
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := conn.Exec(`COMMIT`); err == nil {
			committed[tx] = rows
		} else if tx < 45 {
			t.Fatalf("tx %d: %v", tx, err)
		} else if !conn.GetAutocommit() {
			mustExec(t, conn, `ROLLBACK`)
		}
	}
	if len(committed) != 44 {
		t.Fatalf("%d transactions committed, want 44", len(committed))
	}

	after := open(t, New(store), "crash.db", "")
	checkIntegrity(t, after)
	stmt, _, err := after.Prepare(`SELECT tx, count(*) FROM t GROUP BY tx`)
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	found := map[int]int{}
	for stmt.Step() {
		found[stmt.ColumnInt(0)] = stmt.ColumnInt(1)
	}
	if fmt.Sprint(found) != fmt.Sprint(committed) {
		t.Errorf("after the crash the store holds transactions %v, want %v", found, committed)
	}
}

func TestShrinkingFileDropsBlocks(t *testing.T) {
	store := newTestStore()
	conn := open(t, New(store), "shrink.db", "")
	mustExec(t, conn, `CREATE TABLE t (id INTEGER PRIMARY KEY, pad BLOB)`)
	mustExec(t, conn, `BEGIN`)
	for i := range 300 {
		if err := insertRow(conn, i, 2000); err != nil {
			t.Fatal(err)
		}
	}
	mustExec(t, conn, `COMMIT`)
	mustExec(t, conn, `DELETE FROM t WHERE id >= 10`)
	mustExec(t, conn, `VACUUM`)

	img, _, _ := store.Load("shrink.db")
	pages := queryText(t, conn, `PRAGMA page_count`)
	if want := fmt.Sprint(int64(len(img.Blocks))); pages != want {
		t.Errorf("the store holds %s blocks for %s pages", want, pages)
	}
	if fmt.Sprint(img.Size/blockSize) != pages {
		t.Errorf("stored size %d for %s pages", img.Size, pages)
	}
	again := open(t, New(store), "shrink.db", "")
	if got := queryText(t, again, `SELECT count(*) FROM t`); got != "10" {
		t.Errorf("reopened database has %s rows, want 10", got)
	}
	checkIntegrity(t, again)
}

func TestOtherPageSizes(t *testing.T) {
	for _, size := range []int{512, 65536} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			store := newTestStore()
			conn := open(t, New(store), "pages.db", fmt.Sprintf("&_pragma=page_size(%d)", size))
			mustExec(t, conn, `CREATE TABLE t (id INTEGER PRIMARY KEY, pad BLOB)`)
			for i := range 50 {
				if err := insertRow(conn, i, 900); err != nil {
					t.Fatal(err)
				}
			}
			again := open(t, New(store), "pages.db", "")
			if got := queryText(t, again, `PRAGMA page_size`); got != fmt.Sprint(size) {
				t.Errorf("page_size %s", got)
			}
			if got := queryText(t, again, `SELECT count(*) FROM t`); got != "50" {
				t.Errorf("reopened database has %s rows, want 50", got)
			}
			checkIntegrity(t, again)
		})
	}
}

func TestASecondConnectionIsRefusedUntilTheFirstCloses(t *testing.T) {
	store := newTestStore()
	v := New(store)
	name := fmt.Sprintf("idbvfs-test-%d", vfsNames.Add(1))
	vfs.Register(name, v)
	t.Cleanup(func() { vfs.Unregister(name) })
	a, err := sqlite3.Open("file:single.db?vfs=" + name)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, a, `CREATE TABLE t (id INTEGER PRIMARY KEY, pad BLOB)`)

	if b, err := sqlite3.Open("file:single.db?vfs=" + name); err == nil {
		b.Close()
		t.Fatal("a second connection to an open database was accepted; it could read stale pages")
	} else if !strings.Contains(err.Error(), "SetMaxOpenConns(1)") {
		t.Errorf("the refusal says %q; it should tell how to use one connection", err)
	}

	if err := insertRow(a, 1, 10); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := sqlite3.Open("file:single.db?vfs=" + name)
	if err != nil {
		t.Fatalf("reopening after close: %v", err)
	}
	defer b.Close()
	if got := queryText(t, b, `SELECT count(*) FROM t`); got != "1" {
		t.Errorf("reopened database has %s rows, want 1", got)
	}
}

func TestWALIsRefused(t *testing.T) {
	conn := open(t, New(newTestStore()), "wal.db", "")
	mustExec(t, conn, `CREATE TABLE t (id INTEGER PRIMARY KEY)`)
	conn.Exec(`PRAGMA journal_mode=WAL`)
	if got := queryText(t, conn, `PRAGMA journal_mode`); got == "wal" {
		t.Error("the database switched to WAL, whose log would never be persisted")
	}
	mustExec(t, conn, `INSERT INTO t VALUES (1)`)
}

func TestTemporaryFilesStayInMemory(t *testing.T) {
	store := newTestStore()
	conn := open(t, New(store), "temp.db", "&_pragma=temp_store(file)&_pragma=cache_size(10)")
	mustExec(t, conn, `CREATE TEMP TABLE scratch (id INTEGER PRIMARY KEY, pad BLOB)`)
	mustExec(t, conn, `INSERT INTO scratch SELECT value, randomblob(900) FROM generate_series(1, 300)`)
	if got := queryText(t, conn, `SELECT count(*) FROM (SELECT pad FROM scratch ORDER BY pad)`); got != "300" {
		t.Errorf("sorted %s rows, want 300", got)
	}
	if n := store.count(); n != 0 {
		t.Errorf("temporary data made %d store commits", n)
	}
}
