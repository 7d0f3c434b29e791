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
	for dir, reason := range [2]endReason{toUpstream: endUpstreamStalled, toClient: endClientStalled} {
		start := s.writeStart[dir].Load()
		if start == 0 {
			continue
		}
		stuck := now - time.Duration(start-1)
		if stuck >= s.relay.writeTimeout {
			s.end(reason, 0, [2]closeMsg{})
			s.closeNow()
			return
		}
		next = min(next, s.relay.writeTimeout-stuck)
	}
	s.mu.Lock()
	if s.phase == relaying {
		s.timer.Reset(s.checkEvery(next))
	}
	s.mu.Unlock()
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
