package proxy

import (
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// refusalLogsPerSecond is how many refusal lines the relay writes per
// second for each reason. A client hammering the relay is refused
// thousands of times a second; writing each would let it fill the disk
// and drown every other line. Every refusal is still counted in
// waprivacy_relay_connections_refused_total.
const refusalLogsPerSecond = 10

// refusalLog writes "relay refused" lines, at most perSecond in each
// one-second window for each reason. The lines left out are counted: the
// next line of the same reason says how many with "suppressed", or, if
// none comes, a "relay refusals not logged" line does at the end of the
// window.
type refusalLog struct {
	log        *slog.Logger
	perSecond  int
	suppressed prometheus.Counter
	now        func() time.Time

	mu      sync.Mutex
	windows map[refusal]*logWindow
	closed  bool
}

type logWindow struct {
	start   time.Time
	logged  int
	dropped int         // lines left out since the last one reported
	flush   *time.Timer // reports dropped at the end of the window
}

func newRefusalLog(log *slog.Logger, perSecond int, suppressed prometheus.Counter) *refusalLog {
	return &refusalLog{log: log, perSecond: perSecond, suppressed: suppressed, now: time.Now, windows: map[refusal]*logWindow{}}
}

// refused logs one refusal for reason with attrs, unless its window is full.
func (l *refusalLog) refused(reason refusal, attrs ...any) {
	now := l.now()
	l.mu.Lock()
	w := l.windows[reason]
	if w == nil {
		w = &logWindow{start: now}
		l.windows[reason] = w
	}
	if now.Sub(w.start) >= time.Second || now.Before(w.start) {
		w.start, w.logged = now, 0
	}
	if w.logged >= l.perSecond {
		w.dropped++
		if w.flush == nil && !l.closed {
			w.flush = time.AfterFunc(w.start.Add(time.Second).Sub(now), func() { l.flushReason(reason) })
		}
		l.mu.Unlock()
		l.suppressed.Inc()
		return
	}
	w.logged++
	dropped := w.dropped
	w.dropped = 0
	l.mu.Unlock()
	attrs = append([]any{"reason", string(reason)}, attrs...)
	if dropped > 0 {
		attrs = append(attrs, "suppressed", dropped)
	}
	l.log.Warn("relay refused", attrs...)
}

// flushReason reports the lines of reason left out and not reported yet.
func (l *refusalLog) flushReason(reason refusal) {
	l.mu.Lock()
	w := l.windows[reason]
	if w.flush != nil {
		w.flush.Stop()
		w.flush = nil
	}
	dropped := w.dropped
	w.dropped = 0
	l.mu.Unlock()
	if dropped > 0 {
		l.log.Warn("relay refusals not logged", "reason", string(reason), "suppressed", dropped,
			"limit_per_second", l.perSecond)
	}
}

// close reports every count still pending and stops the timers; later
// counts go into the next line of their reason.
func (l *refusalLog) close() {
	l.mu.Lock()
	l.closed = true
	reasons := make([]refusal, 0, len(l.windows))
	for r := range l.windows {
		reasons = append(reasons, r)
	}
	l.mu.Unlock()
	for _, r := range reasons {
		l.flushReason(r)
	}
}
