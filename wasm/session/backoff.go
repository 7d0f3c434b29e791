package session

import (
	"math/rand/v2"
	"time"
)

// Backoff spaces reconnection attempts: exponential from Min to Max, each
// delay scattered by ±Jitter so that many clients cut off together do not
// come back together.
type Backoff struct {
	Min, Max time.Duration
	Jitter   float64 // fraction of the delay, 0 to 1
}

// DefaultBackoff starts at one second and settles at one minute.
var DefaultBackoff = Backoff{Min: time.Second, Max: time.Minute, Jitter: 0.2}

// Delay is the wait before attempt n (1 for the first retry).
func (b Backoff) Delay(n int) time.Duration {
	d := b.Min
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	if b.Jitter > 0 {
		d += time.Duration((rand.Float64()*2 - 1) * b.Jitter * float64(d))
	}
	return d
}
