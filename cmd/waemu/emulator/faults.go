package emulator

import (
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"time"
)

// Faults are injected network and server failures, set through
// POST /control/faults. A new configuration replaces the old one whole and
// restarts the IQ counters.
type Faults struct {
	// LatencyMs delays every frame in either direction by this much from when
	// it was sent; frames sent together still arrive together, so a round trip
	// takes 2 × LatencyMs.
	LatencyMs int `json:"latencyMs"`
	// FailIQ answers IQs of a namespace (xmlns) with an error code.
	FailIQ map[string]int `json:"failIq,omitempty"`
	// Of each failing namespace's IQs, the first FailIQAfter still succeed,
	// then FailIQCount fail (0: all the rest), then they succeed again.
	FailIQAfter int `json:"failIqAfter"`
	FailIQCount int `json:"failIqCount"`
	// DropAfterMs cuts every connection this long after it opened, or after
	// the fault was set for connections already open.
	DropAfterMs int `json:"dropAfterMs"`
}

const maxFaultMs = 10 * 60 * 1000

func (f Faults) validate() error {
	for name, v := range map[string]int{"latencyMs": f.LatencyMs, "dropAfterMs": f.DropAfterMs} {
		if v < 0 || v > maxFaultMs {
			return fmt.Errorf("%w: %s must be between 0 and %d", ErrInvalid, name, maxFaultMs)
		}
	}
	if f.FailIQAfter < 0 || f.FailIQCount < 0 {
		return fmt.Errorf("%w: failIqAfter and failIqCount must not be negative", ErrInvalid)
	}
	for ns, code := range f.FailIQ {
		if ns == "" {
			return fmt.Errorf("%w: failIq needs a namespace", ErrInvalid)
		}
		if code < 400 || code > 599 {
			return fmt.Errorf("%w: failIq code %d for %q is not between 400 and 599", ErrInvalid, code, ns)
		}
	}
	return nil
}

type faultState struct {
	latencyNs atomic.Int64 // read for every frame, so kept outside the mutex
	mu        sync.Mutex
	cfg       Faults
	seen      map[string]int // IQs per failing namespace since the faults were set
}

func (f *faultState) latency() time.Duration { return time.Duration(f.latencyNs.Load()) }

func (f *faultState) dropAfter() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return time.Duration(f.cfg.DropAfterMs) * time.Millisecond
}

// failIQ counts an IQ of namespace ns and says whether to fail it, with which code.
func (f *faultState) failIQ(ns string) (code int, fail bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	code, ok := f.cfg.FailIQ[ns]
	if !ok {
		return 0, false
	}
	n := f.seen[ns]
	f.seen[ns]++
	if n < f.cfg.FailIQAfter {
		return 0, false
	}
	return code, f.cfg.FailIQCount == 0 || n < f.cfg.FailIQAfter+f.cfg.FailIQCount
}

// SetFaults replaces the fault configuration; the zero Faults clears it.
func (s *Server) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	f.FailIQ = maps.Clone(f.FailIQ)
	s.faults.mu.Lock()
	s.faults.cfg = f
	s.faults.seen = map[string]int{}
	s.faults.latencyNs.Store(int64(time.Duration(f.LatencyMs) * time.Millisecond))
	s.faults.mu.Unlock()
	for _, c := range s.live.all() {
		c.scheduleDrop(time.Duration(f.DropAfterMs) * time.Millisecond)
	}
	s.log.Info("faults set", "faults", f)
	return nil
}
