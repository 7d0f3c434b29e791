package main

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestThePageStartsOnceAndEveryCallReturns(t *testing.T) {
	var ticks, starts atomic.Int32
	p := &pageStart{every: time.Millisecond, tick: func() { ticks.Add(1) }}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { p.run(func() error { starts.Add(1); return nil }) })
	}
	returned := make(chan struct{})
	go func() { wg.Wait(); close(returned) }()
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("a call to start never returned: the update check runs inside the Once")
	}
	if n := starts.Load(); n != 1 {
		t.Errorf("started %d times", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for ticks.Load() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the update check ran %d times", ticks.Load())
		}
		time.Sleep(time.Millisecond)
	}
}

func TestAFailedStartChecksNoUpdates(t *testing.T) {
	var ticks atomic.Int32
	p := &pageStart{every: time.Millisecond, tick: func() { ticks.Add(1) }}
	p.run(func() error { return errors.New("the session is open in another tab") })
	p.run(func() error { t.Error("started again"); return nil })
	time.Sleep(20 * time.Millisecond)
	if n := ticks.Load(); n != 0 {
		t.Errorf("the update check ran %d times after a failed start", n)
	}
}
