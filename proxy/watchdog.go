package proxy

import "time"

// watch runs on the session's timer, not on a goroutine of its own, so an
// idle session costs no extra stack. While relaying it ends a session that
// is idle, stalled, or whose closing handshake went unanswered, or checks
// again when one of those could next happen; once the session is ending it
// drops connections whose peers did not close in time.
func (s *session) watch() {
	s.mu.Lock()
	phase, first := s.phase, s.firstClose
	s.mu.Unlock()
	switch phase {
	case ending:
		s.closeNow()
		return
	case done:
		return
	}
	now := s.now()
	next := s.relay.idleTimeout
	if first != nil {
		waited := now - time.Duration(s.closing.Load()-1)
		if waited >= closeTimeout {
			s.end(first.reason(), first.code, [2]closeMsg{})
			s.closeNow()
			return
		}
		next = closeTimeout - waited
	}
	// Stalls come before idleness, since a stuck write stops all traffic
	// too. When one peer stops reading, the stall spreads: the relay stops
	// reading the other peer, which then blocks writing to the relay and
	// stops reading in turn. The write stuck longest names the culprit.
	var stuck [2]time.Duration
	for dir := range s.writeStart {
		if start := s.writeStart[dir].Load(); start != 0 {
			stuck[dir] = now - time.Duration(start-1)
		}
	}
	worst := toUpstream
	if stuck[toClient] > stuck[toUpstream] {
		worst = toClient
	}
	if stuck[worst] >= s.relay.writeTimeout {
		s.stalled(1 - worst)
		return
	}
	if stuck[worst] > 0 {
		next = min(next, s.relay.writeTimeout-stuck[worst])
	}
	idleFor := now
	if last := s.lastMove.Load(); last != 0 {
		idleFor = now - time.Duration(last-1)
	}
	if idleFor >= s.relay.idleTimeout {
		bye := closeMsg{closeGoingAway, "idle timeout"}
		s.end(endIdle, closeGoingAway, [2]closeMsg{bye, bye})
		return
	}
	next = min(next, s.relay.idleTimeout-idleFor)
	s.mu.Lock()
	if s.phase == relaying {
		s.timer.Reset(s.checkEvery(next))
	}
	s.mu.Unlock()
}

// stalled ends the session because the peer on side has stopped reading:
// its connection is dropped, since a close frame could not reach it, and
// the other peer is told.
func (s *session) stalled(side int) {
	var msgs [2]closeMsg
	reason := endClientStalled
	msgs[sideUpstream] = closeMsg{closeGoingAway, "client stopped reading"}
	if side == sideUpstream {
		reason = endUpstreamStalled
		msgs = [2]closeMsg{sideClient: {closeBadGateway, "upstream stopped reading"}}
	}
	s.end(reason, 0, msgs)
	s.peers[side].conn.Close()
}

// checkEvery is when the watchdog next looks: when the idle timeout could
// next expire, but at least every WriteTimeout, so that a write that
// starts stalling is caught within twice that.
func (s *session) checkEvery(untilIdle time.Duration) time.Duration {
	if untilIdle <= 0 {
		untilIdle = s.relay.idleTimeout
	}
	return min(untilIdle, s.relay.writeTimeout)
}
