package session

import "time"

// Retry makes an unreachable account try to connect now instead of at
// its RetryAt, for a person who knows the network is back.
func (m *Manager) Retry(key string) error {
	a := m.get(key)
	if a == nil {
		return ErrUnknownAccount
	}
	select {
	case a.retry <- struct{}{}:
	default: // a retry is already asked for
	}
	return nil
}

// backOff waits d before the next connection attempt, or less if Retry
// is called; it reports false if the account stopped meanwhile.
func (a *account) backOff(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-a.retry:
		return true
	case <-a.ctx.Done():
		return false
	}
}
