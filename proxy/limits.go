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
	refusedMaxConns56   refusal = "max_conns_per_ipv6_56"
	refusedMaxConns48   refusal = "max_conns_per_ipv6_48"
	refusedRate         refusal = "rate"
	refusedDialRate     refusal = "dial_rate"
	refusedHandshake    refusal = "bad_handshake"
	refusedUpstreamDown refusal = "upstream_unreachable"
)

var refusals = []refusal{refusedOrigin, refusedShutdown, refusedMaxConns, refusedMaxConnsIP, refusedMaxConns56, refusedMaxConns48,
	refusedRate, refusedDialRate, refusedHandshake, refusedUpstreamDown}

// admission enforces the connection limits: a global cap, a per-client cap
// (an IPv4 address or an IPv6 /64), caps per IPv6 /56 and /48 so that one
// allocation cannot take every slot through its many /64s, a per-client
// token bucket for the connection rate, and a global token bucket for
// upstream dials, since every admitted connection is a new connection from
// the operator's address to WhatsApp. The state is local to this replica;
// behind a load balancer each replica enforces its own share, so nothing
// is shared between replicas.
type admission struct {
	maxConns, maxPerClient int
	maxPer56, maxPer48     int
	rate, burst            float64
	dialRate, dialBurst    float64

	mu         sync.Mutex
	open       int
	clients    map[netip.Prefix]*clientState
	subnets    map[netip.Prefix]int // open connections per IPv6 /56 and /48
	dialTokens float64
	dialFilled time.Time
	lastSweep  time.Time
	closing    bool
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
		maxPer56:     cfg.MaxConnsPer56,
		maxPer48:     cfg.MaxConnsPer48,
		rate:         cfg.ConnRate,
		burst:        float64(cfg.ConnBurst),
		dialRate:     cfg.DialRate,
		dialBurst:    float64(cfg.DialBurst),
		dialTokens:   float64(cfg.DialBurst),
		clients:      map[netip.Prefix]*clientState{},
		subnets:      map[netip.Prefix]int{},
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

// subnetKeys are the IPv6 /56 and /48 holding a client key, which are
// counted too; IPv4 and unknown clients have none.
func subnetKeys(client netip.Prefix) (p56, p48 netip.Prefix, ok bool) {
	if !client.IsValid() || !client.Addr().Is6() {
		return netip.Prefix{}, netip.Prefix{}, false
	}
	p56, _ = client.Addr().Prefix(56)
	p48, _ = client.Addr().Prefix(48)
	return p56, p48, true
}

// admit takes a connection slot for client at now, or says why not. Every
// attempt spends a token of the client's, so a client hammering a full
// replica is slowed too; only an admitted connection spends a dial token.
// A successful admit must be paired with release.
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
	p56, p48, inSubnets := subnetKeys(client)
	switch {
	case a.open >= a.maxConns:
		return refusedMaxConns, false
	case c.open >= a.maxPerClient:
		return refusedMaxConnsIP, false
	case inSubnets && a.subnets[p56] >= a.maxPer56:
		return refusedMaxConns56, false
	case inSubnets && a.subnets[p48] >= a.maxPer48:
		return refusedMaxConns48, false
	}
	if elapsed := now.Sub(a.dialFilled).Seconds(); elapsed > 0 {
		a.dialTokens = min(a.dialBurst, a.dialTokens+elapsed*a.dialRate)
		a.dialFilled = now
	}
	if a.dialTokens < 1 {
		return refusedDialRate, false
	}
	a.dialTokens--
	a.open++
	c.open++
	if inSubnets {
		a.subnets[p56]++
		a.subnets[p48]++
	}
	a.inFlight.Add(1)
	return "", true
}

// release returns the slot taken by a successful admit.
func (a *admission) release(client netip.Prefix) {
	a.mu.Lock()
	a.open--
	a.clients[client].open--
	if p56, p48, ok := subnetKeys(client); ok {
		for _, p := range []netip.Prefix{p56, p48} {
			if a.subnets[p]--; a.subnets[p] == 0 {
				delete(a.subnets, p)
			}
		}
	}
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
