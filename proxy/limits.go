package proxy

import (
	"net/netip"
	"sync"
	"time"
)

// refusal says why a relay connection was turned away; it is the label of
// the refused-connections metric and the reason in the log.
type refusal string

const (
	refusedOrigin       refusal = "origin"
	refusedShutdown     refusal = "shutting_down"
	refusedMaxConns     refusal = "max_conns"
	refusedMaxConnsIP   refusal = "max_conns_per_ip"
	refusedRate         refusal = "rate"
	refusedHandshake    refusal = "bad_handshake"
	refusedUpstreamDown refusal = "upstream_unreachable"
)

var refusals = []refusal{refusedOrigin, refusedShutdown, refusedMaxConns, refusedMaxConnsIP, refusedRate, refusedHandshake, refusedUpstreamDown}

// admission enforces the connection limits: a global cap, a per-client cap
// and a per-client token bucket for the connection rate. The state is local
// to this replica; behind a load balancer each replica enforces its own
// share, so nothing is shared between replicas.
type admission struct {
	maxConns, maxPerClient int
	rate, burst            float64

	mu        sync.Mutex
	open      int
	clients   map[netip.Prefix]*clientState
	lastSweep time.Time
	closing   bool
	// inFlight counts admitted connections until they are released, so
	// shutdown can wait for them.
	inFlight sync.WaitGroup
}

type clientState struct {
	open   int
	tokens float64
	filled time.Time // when tokens was last brought up to date
}

func newAdmission(cfg Config) *admission {
	return &admission{
		maxConns:     cfg.MaxConns,
		maxPerClient: cfg.MaxConnsPerIP,
		rate:         cfg.ConnRate,
		burst:        float64(cfg.ConnBurst),
		clients:      map[netip.Prefix]*clientState{},
	}
}

// clientKey is what the per-client limits count by: the address for IPv4,
// the /64 for IPv6, which is what one subscriber line usually gets.
func clientKey(a netip.Addr) netip.Prefix {
	if !a.IsValid() {
		return netip.Prefix{}
	}
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p
}

// admit takes a connection slot for client at now, or says why not. Every
// attempt spends a token, so a client hammering a full replica is slowed
// too. A successful admit must be paired with release.
func (a *admission) admit(client netip.Prefix, now time.Time) (refusal, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closing {
		return refusedShutdown, false
	}
	a.sweep(now)
	c := a.clients[client]
	if c == nil {
		c = &clientState{tokens: a.burst, filled: now}
		a.clients[client] = c
	}
	c.refill(now, a.rate, a.burst)
	if c.tokens < 1 {
		return refusedRate, false
	}
	c.tokens--
	switch {
	case a.open >= a.maxConns:
		return refusedMaxConns, false
	case c.open >= a.maxPerClient:
		return refusedMaxConnsIP, false
	}
	a.open++
	c.open++
	a.inFlight.Add(1)
	return "", true
}

// release returns the slot taken by a successful admit.
func (a *admission) release(client netip.Prefix) {
	a.mu.Lock()
	a.open--
	a.clients[client].open--
	a.mu.Unlock()
	a.inFlight.Done()
}

func (c *clientState) refill(now time.Time, rate, burst float64) {
	if elapsed := now.Sub(c.filled).Seconds(); elapsed > 0 {
		c.tokens = min(burst, c.tokens+elapsed*rate)
		c.filled = now
	}
}

// sweep forgets clients with no open connection and a full bucket — they
// are indistinguishable from new ones — so the table holds only recent or
// active clients. It runs at most once per refill period (between a second
// and a minute), keeping admit cheap.
func (a *admission) sweep(now time.Time) {
	period := min(max(a.burst/a.rate, 1), 60)
	if now.Sub(a.lastSweep).Seconds() < period {
		return
	}
	a.lastSweep = now
	for key, c := range a.clients {
		c.refill(now, a.rate, a.burst)
		if c.open == 0 && c.tokens >= a.burst {
			delete(a.clients, key)
		}
	}
}

// openConns is the number of connections holding a slot.
func (a *admission) openConns() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.open
}

// close refuses every later admit.
func (a *admission) close() {
	a.mu.Lock()
	a.closing = true
	a.mu.Unlock()
}
