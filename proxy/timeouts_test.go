package proxy

import (
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestIdleTimeoutSparesActiveSessions(t *testing.T) {
	checkLeaks(t)
	up := newEchoUpstream(t)
	ts, srv := newTestProxy(t, Config{Upstream: up.wsURL(), IdleTimeout: 400 * time.Millisecond})
	c, _, err := dialRelay(t, ts.URL, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	// Keepalives every 100 ms, as whatsmeow sends every 20-30 s, keep the
	// session for three idle timeouts.
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for range 12 {
		<-tick.C
		roundTrip(t, c, []byte("keepalive"))
	}
	if n := endedCount(srv, endIdle); n != 0 {
		t.Fatalf("%v active sessions ended as idle", n)
	}
	// Then silence ends it.
	if ce := closeStatus(t, c); ce.Code != websocket.StatusGoingAway || ce.Reason != "idle timeout" {
		t.Fatalf("browser got %v, want 1001 idle timeout", ce)
	}
	waitEnded(t, srv, endIdle, 1)
}

func TestIdleSessionsHoldNoCopyBuffer(t *testing.T) {
	checkLeaks(t)
	up := newEchoUpstream(t)
	ts, srv := newTestProxy(t, Config{Upstream: up.wsURL()})
	const sessions = 20
	for range sessions {
		c, _, err := dialRelay(t, ts.URL, ts.URL)
		if err != nil {
			t.Fatal(err)
		}
		// A message bigger than the copy buffer streams through one.
		roundTrip(t, c, make([]byte, 3*copyBufferSize))
	}
	if n := srv.relay.admission.openConns(); n != sessions {
		t.Fatalf("%d sessions open, want %d", n, sessions)
	}
	eventually(t, "idle sessions hold no copy buffer", func() bool { return srv.relay.buffersInUse.Load() == 0 })
}
