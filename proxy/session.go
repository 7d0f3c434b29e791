package proxy

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// endReason says what ended a session; it labels the sessions-ended metric.
type endReason string

const (
	endClient          endReason = "client"   // the browser closed or dropped the connection
	endUpstream        endReason = "upstream" // the upstream did
	endTooBig          endReason = "message_too_big"
	endProtocol        endReason = "protocol_error"
	endIdle            endReason = "idle_timeout"
	endClientStalled   endReason = "client_write_timeout"   // the browser stopped reading
	endUpstreamStalled endReason = "upstream_write_timeout" // the upstream stopped reading
	endShutdown        endReason = "shutdown"
)

var endReasons = []endReason{endClient, endUpstream, endTooBig, endProtocol, endIdle, endClientStalled, endUpstreamStalled, endShutdown}

// A session's two peers, indexed by side; direction d copies from side d to
// side 1-d.
const (
	sideClient   = 0
	sideUpstream = 1
	toUpstream   = sideClient   // the direction reading the browser
	toClient     = sideUpstream // the direction reading the upstream
)

// closeTimeout is how long a peer has to answer a close frame, or to
// close its connection after the close handshake, before the relay drops
// the connection.
const closeTimeout = 5 * time.Second

// waitBufferSize is the per-direction buffer a forwarder blocks reading
// into. It stays small because most sessions are idle most of the time;
// it holds a typical WhatsApp message (under 1 KiB) with its header, so
// such a message goes through without a pooled buffer.
const waitBufferSize = 2 << 10

// session is one browser connection and its upstream twin.
type session struct {
	relay   *relay
	peers   [2]*peer
	scan    [2]frameScanner // by direction
	wait    [2][waitBufferSize]byte
	started time.Time
	dialed  time.Duration
	client  netip.Addr
	key     netip.Prefix
	origin  string

	// lastMove is when bytes last reached either peer, writeStart[dir]
	// when the write pending in that direction began, and closing when the
	// first close frame passed through; all in nanoseconds since started,
	// plus one so that zero means never. The watchdog reads them.
	lastMove   atomic.Int64
	writeStart [2]atomic.Int64
	closing    atomic.Int64
	// closed[dir] says a close frame passed in that direction.
	closed [2]atomic.Bool

	// bytes relayed per direction; each is written only by its direction's
	// forwarder and read once both have finished.
	bytes [2]int64
	// running counts forwarders still running; the last one out finishes
	// the session.
	running atomic.Int32

	// ending is set once the session is ending: forwarders then only drain
	// their source until it closes.
	ending  atomic.Bool
	once    sync.Once
	reason  endReason // set by end
	code    uint16    // the close code that ended the session, 0 if none
	closers sync.WaitGroup

	mu         sync.Mutex // guards timer, phase and firstClose
	timer      *time.Timer
	phase      sessionPhase
	firstClose *firstClose
}

type sessionPhase int

const (
	relaying sessionPhase = iota
	ending                // closing handshakes run; the timer is the deadline
	done
)

func newSession(rl *relay, client, upstream *peer, started time.Time) *session {
	s := &session{relay: rl, peers: [2]*peer{client, upstream}, started: started}
	s.scan[toUpstream] = frameScanner{masked: true, maxMessage: rl.maxMessage}
	s.scan[toClient] = frameScanner{masked: false, maxMessage: rl.maxMessage}
	// Under the lock the watchdog takes to read it: with a short timeout
	// the timer could fire before the assignment is seen.
	s.mu.Lock()
	s.timer = time.AfterFunc(s.checkEvery(0), s.watch)
	s.mu.Unlock()
	return s
}

// start runs the two forwarders, one goroutine per direction: the least
// that blocking reads on two connections allow. Both start on fresh, small
// stacks, and no goroutine waits for them: the last to finish cleans up.
func (s *session) start() {
	s.running.Store(2)
	go s.forward(toUpstream)
	go s.forward(toClient)
}

func (s *session) now() time.Duration { return time.Since(s.started) }

func (s *session) stamp() int64 { return int64(s.now()) + 1 }

// closeMsg is a close frame the relay sends a peer as the session ends.
type closeMsg struct {
	code   uint16
	reason string
}

// end ends the session once, for reason, logging code as the close code.
// It sends each peer its close frame from msgs, if any, and shuts the
// writing sides; forwarders then drain their sources until the peers close,
// or closeTimeout passes.
func (s *session) end(reason endReason, code uint16, msgs [2]closeMsg) {
	s.once.Do(func() {
		s.reason, s.code = reason, code
		s.ending.Store(true)
		s.mu.Lock()
		s.phase = ending
		s.timer.Reset(closeTimeout)
		s.mu.Unlock()
		for side, p := range s.peers {
			s.closers.Go(func() { p.finish(msgs[side].code, msgs[side].reason) })
		}
	})
}

// closeNow drops both connections, unblocking every read and write.
func (s *session) closeNow() {
	for _, p := range s.peers {
		p.conn.Close()
	}
}

// forwarderDone finishes the session when the last forwarder returns.
func (s *session) forwarderDone() {
	if s.running.Add(-1) > 0 {
		return
	}
	s.mu.Lock()
	s.phase = done
	s.timer.Stop()
	s.mu.Unlock()
	s.closeNow()
	s.closers.Wait()
	s.relay.sessionEnded(s)
}
