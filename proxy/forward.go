package proxy

import "sync"

// Why a session's memory is bounded, whatever its peers do:
//
//   - Each direction copies synchronously: the next read from the source
//     starts only after the write to the destination has returned. A
//     destination that stops reading blocks that write, the source is no
//     longer read, its TCP receive window fills and the sender is pushed
//     back by TCP flow control — nothing queues in the proxy.
//   - A forwarder waits for bytes in its session's small wait buffer.
//     Only while a frame too big for that buffer is passing does it hold a
//     pooled copy buffer, returned as soon as the frame is through, so an
//     idle session holds none and a busy one at most two, one per
//     direction. A frame larger than the copy buffer streams through it.
//   - The scanner holds back at most an incomplete frame header (14 bytes)
//     and a close frame's payload (125 bytes).
//   - A write that makes no progress for WriteTimeout and a session with no
//     traffic for IdleTimeout end the session (watchdog.go), and a closing
//     session is dropped after closeTimeout, so a stalled peer cannot pin
//     even those buffers for long.
//
// TestSlowReaderIsBounded and TestIdleSessionsHoldNoCopyBuffer check this.

// copyBufferSize is the pooled buffer large frames stream through.
const copyBufferSize = 32 << 10

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, copyBufferSize); return &b }}

// forward copies frames from side dir to side 1-dir, unchanged, until the
// source closes or the session ends.
func (s *session) forward(dir int) {
	defer s.forwarderDone()
	src, dst := s.peers[dir], s.peers[1-dir]
	sc := &s.scan[dir]
	wait := s.wait[dir][:]
	buf, pooled := wait, (*[]byte)(nil)
	defer func() {
		if pooled != nil {
			s.relay.putBuffer(pooled)
		}
	}()
	filled := 0 // bytes of buf read but not forwarded: an incomplete header
	for {
		if s.ending.Load() || s.closed[dir].Load() {
			s.drain(dir)
			return
		}
		switch {
		case pooled != nil && filled == 0 && !sc.midFrame():
			s.relay.putBuffer(pooled)
			buf, pooled = wait, nil
		case pooled == nil && sc.midFrame():
			pooled = s.relay.getBuffer()
			filled = copy(*pooled, buf[:filled])
			buf = *pooled
		}
		n, err := src.conn.Read(buf[filled:])
		// Nothing read once the session is ending is forwarded: it may be
		// the peer's answer to the close the relay sent it, which must not
		// reach the other peer ahead of the relay's own close to it.
		if s.ending.Load() {
			s.drain(dir)
			return
		}
		if n > 0 {
			filled += n
			res := sc.scan(buf[:filled])
			if res.closed {
				s.closeSending(dir, sc.closeCode)
			}
			if res.n > 0 {
				if err := s.send(dir, dst, buf[:res.n], sc.midFrame(), res.closed); err != nil {
					s.lost(1 - dir)
					continue
				}
			}
			filled = copy(buf, buf[res.n:filled])
			switch {
			case res.violation != nil:
				s.violated(dir, res.violation)
			case res.closed:
				s.closeSeen(dir)
			}
		}
		if err != nil {
			if !s.ending.Load() && !s.closed[dir].Load() {
				s.lost(dir)
			}
			return
		}
	}
}

// send writes b to dst, noting for the watchdog when the write started and
// when bytes moved.
func (s *session) send(dir int, dst *peer, b []byte, midFrame, closes bool) error {
	s.writeStart[dir].Store(s.stamp())
	err := dst.write(b, midFrame, closes)
	s.writeStart[dir].Store(0)
	if err != nil {
		return err
	}
	s.lastMove.Store(s.stamp())
	s.bytes[dir] += int64(len(b))
	s.relay.metrics.bytes[dir].Add(float64(len(b)))
	return nil
}

// drain reads and drops what side dir still sends, until it closes its
// side or the session's close deadline drops it.
func (s *session) drain(dir int) {
	for {
		if _, err := s.peers[dir].conn.Read(s.wait[dir][:]); err != nil {
			return
		}
	}
}

// lost ends the session after side's connection failed without a close
// frame; the other side is told with the code for that.
func (s *session) lost(side int) {
	var msgs [2]closeMsg
	reason := endClient
	msgs[sideUpstream] = closeMsg{closeGoingAway, "client connection lost"}
	if side == sideUpstream {
		reason = endUpstream
		msgs = [2]closeMsg{sideClient: {closeBadGateway, "upstream connection lost"}}
	}
	s.end(reason, 0, msgs)
}

// violated ends the session after side dir sent a frame that breaks the
// protocol or the size limit: the sender is told why, the other side that
// its peer is gone.
func (s *session) violated(dir int, v *violation) {
	reason := endProtocol
	if v.code == closeTooBig {
		reason = endTooBig
	}
	var msgs [2]closeMsg
	msgs[dir] = closeMsg{v.code, v.reason}
	if dir == sideClient {
		msgs[sideUpstream] = closeMsg{closeGoingAway, "client connection lost"}
	} else {
		msgs[sideClient] = closeMsg{closeBadGateway, "upstream " + v.reason}
	}
	s.end(reason, v.code, msgs)
}

// closeSending notes a close frame about to pass in direction dir. It is
// noted before it goes out, so that the peer's answer, which may come back
// before closeSeen runs, cannot be taken for the close that came first.
// From the first close on, the other side has closeTimeout to answer.
func (s *session) closeSending(dir int, code uint16) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.firstClose == nil {
		s.firstClose = &firstClose{dir, code}
		s.closing.Store(s.stamp())
		if s.phase == relaying {
			s.timer.Reset(closeTimeout)
		}
	}
}

// closeSeen notes that the close frame of direction dir has passed. Once
// close frames have passed both ways the closing handshake is complete and
// the session ends, for the side that closed first.
func (s *session) closeSeen(dir int) {
	s.closed[dir].Store(true)
	s.mu.Lock()
	first := *s.firstClose
	both := s.closed[1-dir].Load()
	s.mu.Unlock()
	if both {
		s.end(first.reason(), first.code, [2]closeMsg{})
	}
}

// firstClose is the close frame that began a closing handshake.
type firstClose struct {
	dir  int
	code uint16
}

func (f firstClose) reason() endReason {
	if f.dir == toClient {
		return endUpstream
	}
	return endClient
}
