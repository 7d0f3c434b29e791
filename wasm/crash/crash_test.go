package crash_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/waprivacy/waprivacy/wasm/crash"
)

// capture collects the reports made until the test ends.
func capture(t *testing.T) <-chan crash.Report {
	t.Helper()
	reports := make(chan crash.Report, 10)
	t.Cleanup(crash.SetHandler(func(r crash.Report) { reports <- r }))
	return reports
}

func TestRecoverReportsAPanicAndTheGoroutineEndsNormally(t *testing.T) {
	reports := capture(t)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer crash.Recover("the test's job")
		panic("boom")
	})
	wg.Wait()
	r := <-reports
	if r.Where != "the test's job" || r.Value != "boom" || !strings.Contains(string(r.Stack), "crash_test.go") {
		t.Errorf("report %q %v, stack:\n%s", r.Where, r.Value, r.Stack)
	}
	if s := r.String(); !strings.Contains(s, "the test's job stopped: panic: boom") {
		t.Errorf("String() = %q", s)
	}
}

func TestRunAndGo(t *testing.T) {
	reports := capture(t)
	if !crash.Run("fine", func() {}) {
		t.Error("Run reported a panic for a function that returned")
	}
	if crash.Run("nil map", func() { var m map[string]int; m["x"] = 1 }) {
		t.Error("Run reported no panic")
	}
	if r := <-reports; r.Where != "nil map" {
		t.Errorf("report from %q", r.Where)
	}
	crash.Go("a goroutine", func() { panic(42) })
	select {
	case r := <-reports:
		if r.Where != "a goroutine" || r.Value != 42 {
			t.Errorf("report %+v", r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no report from crash.Go")
	}
}

func TestAHandlerThatPanicsIsContained(t *testing.T) {
	t.Cleanup(crash.SetHandler(func(crash.Report) { panic("the handler too") }))
	if crash.Run("job", func() { panic("first") }) {
		t.Error("Run reported no panic")
	}
}
