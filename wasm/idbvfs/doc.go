// Package idbvfs is an SQLite VFS for ncruces/go-sqlite3 that keeps
// databases in memory and persists them to IndexedDB in the browser, one
// atomic IndexedDB transaction per SQLite commit.
//
// The VFS declares IOCAP_BATCH_ATOMIC, so SQLite keeps the rollback journal
// in memory and hands a transaction's pages over between BeginAtomicWrite
// and CommitAtomicWrite; a transaction that spills the page cache commits
// through the journal instead and ends with Sync. Both paths send every
// block written since the last commit, plus the file size, to the Store in
// one Commit. The Store applies it all or nothing, so a crash at any moment
// leaves the last committed database, and journals never need to persist.
//
// PRAGMA synchronous picks the durability of each database's commits:
// FULL (SQLite's default) or EXTRA wait until IndexedDB has the data on
// disk ({durability:"strict"}); NORMAL lets the browser acknowledge before
// flushing ("relaxed"). OFF is refused, since SQLite would then never
// commit to the store. A commit that the browser refuses for lack of space
// fails with SQLITE_FULL and is reported on VFS.Failures.
//
// A database takes one connection at a time (sql.DB.SetMaxOpenConns(1)),
// and one browser tab at a time, which package tablock enforces. Calls
// into IndexedDB wait for the browser's event loop, so SQL must never run
// inside a js.FuncOf callback: start a goroutine there instead.
//
// Outside the browser, MemoryStore stands in for IndexedDB.
package idbvfs
