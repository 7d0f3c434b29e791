package proxy

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestAdmission(t *testing.T) {
	a := newAdmission(Config{MaxConns: 3, MaxConnsPerIP: 2, ConnRate: 1, ConnBurst: 3}.withDefaults())
	alice, bob := clientKey(netip.MustParseAddr("192.0.2.1")), clientKey(netip.MustParseAddr("192.0.2.2"))
	t0 := time.Unix(1000, 0)
	admit := func(who netip.Prefix, at time.Time, want refusal) {
		t.Helper()
		reason, ok := a.admit(who, at)
		if ok != (want == "") || reason != want {
			t.Fatalf("admit %v at %v: got %q, want %q", who, at.Sub(t0), reason, want)
		}
	}
	admit(alice, t0, "")
	admit(alice, t0, "")
	admit(alice, t0, refusedMaxConnsIP) // a third at once from one address
	admit(alice, t0, refusedRate)       // and its burst of 3 is spent
	admit(bob, t0, "")
	admit(bob, t0, refusedMaxConns) // three open in all
	a.release(alice)
	admit(bob, t0, "")
	// A second later alice has one token again.
	admit(alice, t0.Add(time.Second), refusedMaxConns)
	a.release(bob)
	admit(alice, t0.Add(2*time.Second), "")
	if n := a.openConns(); n != 3 {
		t.Fatalf("open = %d, want 3", n)
	}
	a.close()
	admit(bob, t0.Add(time.Hour), refusedShutdown)
}

func TestAdmissionForgetsIdleClients(t *testing.T) {
	a := newAdmission(Config{MaxConns: 100, MaxConnsPerIP: 10, ConnRate: 10, ConnBurst: 10}.withDefaults())
	t0 := time.Unix(1000, 0)
	for i := range 50 {
		key := clientKey(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}))
		if _, ok := a.admit(key, t0); !ok {
			t.Fatal("refused")
		}
		if i%2 == 0 {
			a.release(key)
		}
	}
	// Once their buckets refill, the 25 clients without a connection are
	// forgotten; the 25 with one are kept.
	a.admit(clientKey(netip.MustParseAddr("203.0.113.1")), t0.Add(time.Minute))
	if n := len(a.clients); n != 26 {
		t.Fatalf("%d clients remembered, want 26", n)
	}
}

func TestClientKeyGroupsIPv6By64(t *testing.T) {
	a, b := netip.MustParseAddr("2001:db8:1:2::1"), netip.MustParseAddr("2001:db8:1:2:ffff::9")
	c := netip.MustParseAddr("2001:db8:1:3::1")
	if clientKey(a) != clientKey(b) || clientKey(a) == clientKey(c) {
		t.Fatalf("keys %v %v %v: want one per /64", clientKey(a), clientKey(b), clientKey(c))
	}
	if v4 := clientKey(netip.MustParseAddr("192.0.2.1")); v4.Bits() != 32 {
		t.Fatalf("IPv4 key %v, want the address", v4)
	}
}

func TestRelayEnforcesLimits(t *testing.T) {
	checkLeaks(t)
	var logs logBuffer
	up := newEchoUpstream(t)
	ts, srv := newTestProxyLog(t, Config{Upstream: up.wsURL(), MaxConnsPerIP: 2, ConnBurst: 3, ConnRate: 0.001}, logs.logger())
	var open []*websocket.Conn
	for range 2 {
		c, _, err := dialRelay(t, ts.URL, ts.URL)
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, c, []byte("hi"))
		open = append(open, c)
	}
	if _, resp, err := dialRelay(t, ts.URL, ts.URL); err == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a third connection from one IP: want 429, got %v", err)
	}
	open[0].Close(websocket.StatusNormalClosure, "")
	eventually(t, "the slot is freed", func() bool { return srv.relay.admission.openConns() == 1 })
	// The slot is free but the burst of 3 is spent.
	_, resp, err := dialRelay(t, ts.URL, ts.URL)
	if err == nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("a fourth connection inside the burst: want 429 with Retry-After, got %v", err)
	}
	for _, r := range []refusal{refusedMaxConnsIP, refusedRate} {
		if n := refusedCount(srv, r); n != 1 {
			t.Errorf("refused{%s} = %v, want 1", r, n)
		}
		if !strings.Contains(logs.String(), "reason="+string(r)) {
			t.Errorf("no refusal logged with reason=%s:\n%s", r, logs.String())
		}
	}
}

func TestRelayCapsConnectionsGlobally(t *testing.T) {
	checkLeaks(t)
	up := newEchoUpstream(t)
	ts, srv := newTestProxy(t, Config{Upstream: up.wsURL(), MaxConns: 1})
	c, _, err := dialRelay(t, ts.URL, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, []byte("hi"))
	if _, resp, err := dialRelay(t, ts.URL, ts.URL); err == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("over the global cap: want 503, got %v", err)
	}
	if n := refusedCount(srv, refusedMaxConns); n != 1 {
		t.Errorf("refused{max_conns} = %v, want 1", n)
	}
}

func TestRelayLimitsClientsBehindATrustedProxy(t *testing.T) {
	checkLeaks(t)
	up := newEchoUpstream(t)
	dial := func(ts string, forwardedFor string) int {
		t.Helper()
		h := http.Header{"Origin": {ts}, "X-Forwarded-For": {forwardedFor}}
		c, resp, err := dialRelayHeader(t, ts, h)
		if err != nil {
			return resp.StatusCode
		}
		roundTrip(t, c, []byte("hi"))
		return http.StatusSwitchingProtocols
	}
	// Behind a trusted balancer on loopback, each forwarded client has its
	// own per-IP limit of one connection.
	trusting, _ := newTestProxy(t, Config{Upstream: up.wsURL(), MaxConnsPerIP: 1, TrustedProxies: []string{"127.0.0.0/8"}})
	for _, client := range []string{"192.0.2.1", "192.0.2.2", "198.51.100.7, 192.0.2.3"} {
		if got := dial(trusting.URL, client); got != http.StatusSwitchingProtocols {
			t.Fatalf("forwarded client %s: %d, want its own slot", client, got)
		}
	}
	if got := dial(trusting.URL, "192.0.2.1"); got != http.StatusTooManyRequests {
		t.Fatalf("second connection of a forwarded client: %d, want 429", got)
	}
	// Without trust the header is ignored: everyone is 127.0.0.1.
	untrusting, _ := newTestProxy(t, Config{Upstream: up.wsURL(), MaxConnsPerIP: 1})
	if got := dial(untrusting.URL, "192.0.2.1"); got != http.StatusSwitchingProtocols {
		t.Fatalf("first connection: %d", got)
	}
	if got := dial(untrusting.URL, "192.0.2.2"); got != http.StatusTooManyRequests {
		t.Fatalf("a spoofed X-Forwarded-For got past the per-IP limit: %d", got)
	}
}

// One IPv6 /56 or /48 holds many /64s, each with its own per-IP limit;
// the /56 and /48 caps keep it from taking every slot.
func TestAdmissionCapsIPv6Subnets(t *testing.T) {
	a := newAdmission(Config{MaxConns: 100, MaxConnsPerIP: 2, MaxConnsPer56: 3, MaxConnsPer48: 5}.withDefaults())
	t0 := time.Unix(1000, 0)
	key := func(s string) netip.Prefix { return clientKey(netip.MustParseAddr(s)) }
	admit := func(who string, want refusal) {
		t.Helper()
		reason, ok := a.admit(key(who), t0)
		if ok != (want == "") || reason != want {
			t.Fatalf("admit %s: got %q, want %q", who, reason, want)
		}
	}
	// Three /64s of one /56.
	admit("2001:db8:0:1::1", "")
	admit("2001:db8:0:1::2", "")
	admit("2001:db8:0:2::1", "")
	admit("2001:db8:0:3::1", refusedMaxConns56)
	// Another /56 of the same /48.
	admit("2001:db8:0:100::1", "")
	admit("2001:db8:0:200::1", "")
	admit("2001:db8:0:300::1", refusedMaxConns48)
	// Another /48, and IPv4, are not affected.
	admit("2001:db8:1::1", "")
	admit("192.0.2.1", "")
	// A freed slot in the /56 is free in the /48 too.
	a.release(key("2001:db8:0:1::2"))
	admit("2001:db8:0:4::1", "")
	admit("2001:db8:0:5::1", refusedMaxConns56)
	for _, c := range []string{"2001:db8:0:1::1", "2001:db8:0:2::1", "2001:db8:0:100::1", "2001:db8:0:200::1", "2001:db8:1::1", "2001:db8:0:4::1"} {
		a.release(key(c))
	}
	if len(a.subnets) != 0 {
		t.Fatalf("subnets still counted after every release: %v", a.subnets)
	}
}

func TestAdmissionLimitsUpstreamDials(t *testing.T) {
	a := newAdmission(Config{DialRate: 2, DialBurst: 3}.withDefaults())
	t0 := time.Unix(1000, 0)
	admit := func(i int, at time.Time, want refusal) {
		t.Helper()
		reason, ok := a.admit(clientKey(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)})), at)
		if ok != (want == "") || reason != want {
			t.Fatalf("client %d at %v: got %q, want %q", i, at.Sub(t0), reason, want)
		}
	}
	// Every client is new, so only the replica-wide bucket can refuse.
	for i := range 3 {
		admit(i, t0, "")
	}
	admit(3, t0, refusedDialRate)
	admit(4, t0.Add(250*time.Millisecond), refusedDialRate)
	admit(5, t0.Add(500*time.Millisecond), "") // 2 a second
	admit(6, t0.Add(500*time.Millisecond), refusedDialRate)
	if n := a.openConns(); n != 4 {
		t.Fatalf("open = %d, want 4", n)
	}
}

func TestRelayRefusesOverTheDialRate(t *testing.T) {
	checkLeaks(t)
	up := newEchoUpstream(t)
	ts, srv := newTestProxy(t, Config{Upstream: up.wsURL(), DialRate: 0.001, DialBurst: 1})
	c, _, err := dialRelay(t, ts.URL, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, []byte("hi"))
	_, resp, err := dialRelay(t, ts.URL, ts.URL)
	if err == nil || resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("over the dial rate: want 503 with Retry-After, got %v", err)
	}
	if n := refusedCount(srv, refusedDialRate); n != 1 {
		t.Errorf("refused{dial_rate} = %v, want 1", n)
	}
	if len(up.origins) != 1 {
		t.Errorf("the upstream saw %d dials, want 1", len(up.origins))
	}
}

func TestRelayCapsIPv6SubnetsBehindATrustedProxy(t *testing.T) {
	checkLeaks(t)
	up := newEchoUpstream(t)
	ts, srv := newTestProxy(t, Config{Upstream: up.wsURL(), TrustedProxies: []string{"127.0.0.0/8"},
		MaxConnsPerIP: 1, MaxConnsPer56: 2, MaxConnsPer48: 3})
	for _, tc := range []struct {
		client string
		want   int
	}{
		{"2001:db8:0:1::1", http.StatusSwitchingProtocols},
		{"2001:db8:0:2::1", http.StatusSwitchingProtocols},
		{"2001:db8:0:3::1", http.StatusTooManyRequests}, // a third /64 of the /56
		{"2001:db8:0:100::1", http.StatusSwitchingProtocols},
		{"2001:db8:0:200::1", http.StatusTooManyRequests}, // a fourth of the /48
		{"2001:db9::1", http.StatusSwitchingProtocols},
	} {
		got := http.StatusSwitchingProtocols
		c, resp, err := dialRelayHeader(t, ts.URL, http.Header{"Origin": {ts.URL}, "X-Forwarded-For": {tc.client}})
		if err != nil {
			got = resp.StatusCode
		} else {
			roundTrip(t, c, []byte("hi"))
		}
		if got != tc.want {
			t.Errorf("client %s: %d, want %d", tc.client, got, tc.want)
		}
	}
	for _, r := range []refusal{refusedMaxConns56, refusedMaxConns48} {
		if n := refusedCount(srv, r); n != 1 {
			t.Errorf("refused{%s} = %v, want 1", r, n)
		}
	}
}
