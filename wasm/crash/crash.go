// Package crash keeps a panic in one of the app's goroutines from ending
// the whole program in silence. In js/wasm an unrecovered panic on any
// goroutine stops the Go runtime: the page stays on screen, frozen, and
// every later click, request or event is lost. Each goroutine the app
// starts (event handlers, JavaScript requests, the page state's queue)
// defers Recover, which reports the panic instead: in the browser on the
// console and as an error over the page with a Reload button, natively on
// standard error.
package crash

import (
	"fmt"
	"runtime/debug"
	"sync"
)

// Report is one recovered panic.
type Report struct {
	// Where names the goroutine's job, e.g. "the action accounts/unlink".
	Where string
	// Value is what was passed to panic.
	Value any
	// Stack is the panicking goroutine's stack.
	Stack []byte
}

func (r Report) String() string {
	return fmt.Sprintf("waprivacy: %s stopped: panic: %v\n\n%s", r.Where, r.Value, r.Stack)
}

var (
	mu      sync.Mutex
	handler = show // in crash_js.go and crash_other.go
)

// SetHandler makes fn receive every report in place of the default, until
// restore is called; for tests.
func SetHandler(fn func(Report)) (restore func()) {
	mu.Lock()
	prev := handler
	handler = fn
	mu.Unlock()
	return func() {
		mu.Lock()
		handler = prev
		mu.Unlock()
	}
}

// Recover, deferred directly by a goroutine's function, stops a panic
// there and reports it:
//
//	defer crash.Recover("the page's events")
//
// It must be the deferred call itself: recover works only there.
func Recover(where string) {
	if v := recover(); v != nil {
		report(where, v)
	}
}

// Run calls fn and reports whether it returned normally; a panic in fn is
// recovered and reported.
func Run(where string, fn func()) (ok bool) {
	defer func() {
		if v := recover(); v != nil {
			report(where, v)
			ok = false
		}
	}()
	fn()
	return true
}

// Go runs fn on a goroutine of its own that recovers and reports a panic.
func Go(where string, fn func()) {
	go func() {
		defer Recover(where)
		fn()
	}()
}

func report(where string, v any) {
	r := Report{Where: where, Value: v, Stack: debug.Stack()}
	mu.Lock()
	h := handler
	mu.Unlock()
	// A handler that panics too must not take the goroutine down.
	defer func() { _ = recover() }()
	h(r)
}
