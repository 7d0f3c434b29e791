package emulator

import (
	"encoding/json"
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
	// StaleReads makes reads overtake writes. After a connection's set IQ
	// (namespaces privacy, blocklist, disappearing_mode) is applied, its next
	// get IQs in those namespaces are answered from the account as it was
	// just before that set, until StaleReads such answers have been given
	// across all connections. One unit is one get IQ answered stale: a
	// client's re-read of 7 IQs after a write consumes 7. A set is still
	// applied, acknowledged and pushed normally; a read on a connection that
	// has made no successful set since the faults were set is answered from
	// the live account and consumes nothing. With several sets in a row the
	// reads miss only the latest, as if they had overtaken just that one.
	//
	// Why: no public source settles whether the real server processes one
	// connection's IQs in order. WA Web never re-reads on the same connection
	// right behind a write, so nothing shows a read sent after a set always
	// sees it; the privacy engine re-reads in the same burst to confirm, and
	// must cope with a re-read that misses its write.
	StaleReads int `json:"staleReads"`
	// CutAfterIQ cuts the connection right after the server has processed
	// the N-th IQ (get or set) of a namespace, counted from when the faults
	// were set, before that IQ's answer leaves: the change is made on the
	// account, the client never hears of it, and the IQs behind it on the
	// wire are never processed. It fires once per configuration. A lost
	// connection between a write and its answer is what a closed lid or a
	// lost signal does to a real client; a cut by timer (DropAfterMs) lands
	// somewhere different every run, this one on the same IQ.
	CutAfterIQ map[string]int `json:"cutAfterIq,omitempty"`
	// OfflineAfterCut keeps the account offline once the cut has
	// happened: every new connection is closed at once, until the faults
	// are set again. A test then changes things on the phone, or cuts the
	// recovery too, before the client is back.
	OfflineAfterCut bool `json:"offlineAfterCut"`
}

const (
	maxFaultMs    = 10 * 60 * 1000
	maxStaleReads = 10000
)

func (f Faults) validate() error {
	for name, v := range map[string]int{"latencyMs": f.LatencyMs, "dropAfterMs": f.DropAfterMs} {
		if v < 0 || v > maxFaultMs {
			return fmt.Errorf("%w: %s must be between 0 and %d", ErrInvalid, name, maxFaultMs)
		}
	}
	if f.StaleReads < 0 || f.StaleReads > maxStaleReads {
		return fmt.Errorf("%w: staleReads must be between 0 and %d", ErrInvalid, maxStaleReads)
	}
	if f.FailIQAfter < 0 || f.FailIQCount < 0 {
		return fmt.Errorf("%w: failIqAfter and failIqCount must not be negative", ErrInvalid)
	}
	for ns, n := range f.CutAfterIQ {
		if ns == "" || n < 1 {
			return fmt.Errorf("%w: cutAfterIq needs a namespace and an N of 1 or more", ErrInvalid)
		}
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

// faultState is the live configuration. Lock order: world.mu before faultState.mu
// (readAccount and writeAccount consult it while holding the account).
type faultState struct {
	latencyNs atomic.Int64 // read for every frame, so kept outside the mutex
	mu        sync.Mutex
	cfg       Faults
	seen      map[string]int // IQs per failing namespace since the faults were set
	cutSeen   map[string]int // IQs per cut namespace since the faults were set
	cut       bool           // the cut has happened
	gen       uint64         // counts SetFaults calls, so a snapshot outlives no configuration
	staleLeft int            // stale answers still to give
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

// cutAfter counts a processed IQ of namespace ns and says whether the
// connection is to be cut before its answer.
func (f *faultState) cutAfter(ns string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.cfg.CutAfterIQ[ns]
	if !ok || f.cut {
		return false
	}
	f.cutSeen[ns]++
	f.cut = f.cutSeen[ns] == n
	return f.cut
}

// offline reports whether new connections are refused: the cut has
// happened and OfflineAfterCut holds.
func (f *faultState) offline() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cut && f.cfg.OfflineAfterCut
}

// staleArmed reports whether stale reads are still to be given, and under
// which configuration, so a set can keep a snapshot for them.
func (f *faultState) staleArmed() (gen uint64, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gen, f.staleLeft > 0
}

// takeStale consumes one stale read if a snapshot taken under configuration
// gen may still be served.
func (f *faultState) takeStale(gen uint64) (left int, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if gen != f.gen || f.staleLeft == 0 {
		return f.staleLeft, false
	}
	f.staleLeft--
	return f.staleLeft, true
}

// staleSnapshot is a connection's account as it was just before its latest
// set, kept while the staleReads fault is armed.
type staleSnapshot struct {
	gen uint64
	acc *account
}

// cloneAccount deep-copies an account through the state file's encoding,
// which holds every field by construction.
func cloneAccount(a *account) *account {
	data, err := json.Marshal(a)
	if err != nil {
		panic(fmt.Sprintf("encoding an account: %v", err))
	}
	var out account
	if err := json.Unmarshal(data, &out); err != nil {
		panic(fmt.Sprintf("decoding an account: %v", err))
	}
	return &out
}

// readAccount runs fn on the companion's account for a get IQ of namespace
// ns. Under the staleReads fault, after this connection's set, fn sees the
// account as it was before that set. The device must be linked now either way.
func (c *conn) readAccount(ns string, fn func(*account) error) error {
	return c.srv.world.readAsDevice(c.device, func(acc *account, _ *device) error {
		if c.stale != nil {
			if left, ok := c.srv.faults.takeStale(c.stale.gen); ok {
				c.log.Info("fault injection: answering a read from before the latest write", "xmlns", ns, "left", left)
				acc = c.stale.acc
			}
		}
		return fn(acc)
	})
}

// writeAccount runs fn on the companion's account for a set IQ and saves it.
// While the staleReads fault is armed it first keeps a snapshot for the
// reads that follow; a set that fails leaves the previous snapshot.
func (c *conn) writeAccount(fn func(*account) error) error {
	return c.srv.world.updateAsDevice(c.device, func(acc *account, _ *device) error {
		gen, armed := c.srv.faults.staleArmed()
		var before *account
		if armed {
			before = cloneAccount(acc)
		}
		if err := fn(acc); err != nil {
			return err
		}
		if armed {
			c.stale = &staleSnapshot{gen: gen, acc: before}
		}
		return nil
	})
}

// SetFaults replaces the fault configuration; the zero Faults clears it.
func (s *Server) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	f.FailIQ = maps.Clone(f.FailIQ)
	f.CutAfterIQ = maps.Clone(f.CutAfterIQ)
	s.faults.mu.Lock()
	s.faults.cfg = f
	s.faults.seen = map[string]int{}
	s.faults.cutSeen = map[string]int{}
	s.faults.cut = false
	s.faults.gen++
	s.faults.staleLeft = f.StaleReads
	s.faults.latencyNs.Store(int64(time.Duration(f.LatencyMs) * time.Millisecond))
	s.faults.mu.Unlock()
	for _, c := range s.live.all() {
		c.scheduleDrop(time.Duration(f.DropAfterMs) * time.Millisecond)
	}
	s.log.Info("faults set", "faults", f)
	return nil
}
