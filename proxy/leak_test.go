package proxy

import (
	"bytes"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"
)

// checkLeaks fails t unless, once t's other cleanups have run, the process
// is back to the goroutines and open files it had when checkLeaks was
// called. Call it first in a test (only checkHeapReturns goes before it), so
// that its cleanup runs after the others. Exiting goroutines and closing
// sockets give no event to wait on, so it polls.
func checkLeaks(t testing.TB) {
	t.Helper()
	goroutines, fds := runtime.NumGoroutine(), openFDs(t)
	t.Cleanup(func() {
		// Test clients may leave keep-alive connections in the default
		// transport's pool (a refused handshake's, say); they are the
		// client's, not the proxy's.
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		deadline := time.Now().Add(10 * time.Second)
		for {
			g, f := runtime.NumGoroutine(), openFDs(t)
			if g <= goroutines && f <= fds {
				return
			}
			if time.Now().After(deadline) {
				var dump bytes.Buffer
				pprof.Lookup("goroutine").WriteTo(&dump, 1)
				t.Errorf("leak: %d goroutines (was %d), %d open files (was %d): %v\n%s", g, goroutines, f, fds, fdTargets(), dump.String())
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

func openFDs(t testing.TB) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("counting open files: %v", err)
	}
	return len(entries)
}

func fdTargets() []string {
	entries, _ := os.ReadDir("/proc/self/fd")
	var targets []string
	for _, e := range entries {
		target, _ := os.Readlink("/proc/self/fd/" + e.Name())
		targets = append(targets, e.Name()+"="+target)
	}
	return targets
}

// liveHeap is the heap in use after a full collection: what the process
// actually holds.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC() // the second also frees what sync.Pool kept as its victim cache
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// checkHeapReturns fails t if the live heap, once t's other cleanups have
// run, has grown by more than slack since checkHeapReturns was called. Call
// it before checkLeaks, so that it looks once every goroutine has exited.
func checkHeapReturns(t testing.TB, slack uint64) {
	t.Helper()
	before := liveHeap()
	t.Cleanup(func() {
		if after := liveHeap(); after > before+slack {
			t.Errorf("live heap grew from %d to %d bytes, more than %d", before, after, slack)
		}
	})
}

// eventually polls cond until it holds, failing t after a deadline. It is
// for states that give no event to wait on, such as a buffer going back to
// its pool.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
