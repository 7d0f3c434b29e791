package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// workload is what each run asks of a target.
type workload struct {
	sessions int
	size     int     // bytes per message, at least 8 for the timestamp
	rate     float64 // messages per second per session; 0 leaves sessions idle
	window   int     // if > 0, messages kept in flight per session, as fast as echoes return
	duration time.Duration
	settle   time.Duration // wait before reading the idle RSS
}

func (w workload) validate() error {
	var errs []error
	if w.sessions < 1 {
		errs = append(errs, fmt.Errorf("-sessions %d: want at least 1", w.sessions))
	}
	if w.size < 8 {
		errs = append(errs, fmt.Errorf("-size %d: want at least 8 bytes, for the send time", w.size))
	}
	if w.rate < 0 || w.window < 0 || w.duration < 0 || w.settle < 0 {
		errs = append(errs, errors.New("-rate, -window, -duration and -settle must not be negative"))
	}
	return errors.Join(errs...)
}

func (w workload) traffic() bool { return (w.rate > 0 || w.window > 0) && w.duration > 0 }

// result is what one round through one target measured.
type result struct {
	rtts     []time.Duration // sorted round trips of the messages echoed
	bytes    int64           // payload echoed back
	elapsed  time.Duration   // from the first send to the last echo
	failures int             // sessions that failed
	cpu      time.Duration   // processor time the target used; -1 if unknown
}

// epoch is the origin of the send times written into messages.
var epoch = time.Now()

// fleet is a target's sessions. Like browsers, they stay open across
// rounds, so rounds measure traffic, not connection setup.
type fleet struct {
	t        *target
	sessions []*session
}

// openFleet opens w.sessions sessions through t, each proven by one round
// trip. For an idle workload it returns the target's resident memory per
// session once they have been idle for w.settle; otherwise, or if the
// target's memory is unknown, -1.
func openFleet(ctx context.Context, t *target, w workload) (*fleet, int64, error) {
	f := &fleet{t: t, sessions: make([]*session, w.sessions)}
	errs := make([]error, w.sessions)
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for i := range f.sessions {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			f.sessions[i], errs[i] = dial(ctx, t, w)
		})
	}
	wg.Wait()
	f.sessions = slices.DeleteFunc(f.sessions, func(s *session) bool { return s == nil })
	if err := errors.Join(errs...); err != nil {
		return f, -1, fmt.Errorf("%s: opening %d sessions: %w", t.name, w.sessions, err)
	}
	if t.pids == nil || w.traffic() {
		return f, -1, nil
	}
	select {
	case <-time.After(w.settle):
	case <-ctx.Done():
		return f, -1, ctx.Err()
	}
	after, err := rss(t.pids())
	if err != nil {
		return f, -1, err
	}
	return f, (after - t.baseRSS) / int64(len(f.sessions)), nil
}

func (f *fleet) close() {
	var wg sync.WaitGroup
	for _, s := range f.sessions {
		wg.Go(func() {
			s.c.CloseNow()
			<-s.done
		})
	}
	wg.Wait()
}

// ioTimeout bounds a write and the wait for the last echoes of a round, so
// that a stalled target fails the run instead of hanging it.
const ioTimeout = 30 * time.Second

// round drives every session's traffic for w.duration, then waits for the
// echoes still in flight.
func (f *fleet) round(ctx context.Context, w workload) (result, error) {
	var cpuBefore time.Duration
	if f.t.pids != nil {
		var err error
		if cpuBefore, err = cpuTime(f.t.pids()); err != nil {
			return result{}, err
		}
	}
	start := time.Now()
	sending, stop := context.WithTimeout(ctx, w.duration)
	defer stop()
	io, cancel := context.WithTimeout(ctx, w.duration+ioTimeout)
	defer cancel()
	var wg sync.WaitGroup
	var failures atomic.Int32
	for _, s := range f.sessions {
		wg.Go(func() {
			if err := s.drive(sending, io, w); err != nil {
				failures.Add(1)
			}
		})
	}
	wg.Wait()
	res := result{elapsed: time.Since(start), failures: int(failures.Load()), cpu: -1}
	if f.t.pids != nil {
		cpuAfter, err := cpuTime(f.t.pids())
		if err != nil {
			return result{}, err
		}
		res.cpu = cpuAfter - cpuBefore
	}
	for _, s := range f.sessions {
		rtts, bytes := s.take()
		res.rtts = append(res.rtts, rtts...)
		res.bytes += bytes
	}
	slices.Sort(res.rtts)
	return res, nil
}

// session is one WebSocket through the target. A reader goroutine times
// every echo by the send time it carries.
type session struct {
	c       *websocket.Conn
	buf     []byte        // reused for reading echoes
	credit  chan struct{} // an echo came back: the window may send again
	drained chan struct{} // nothing is in flight any more
	done    chan struct{} // the reader stopped
	pending atomic.Int64  // messages in flight

	mu     sync.Mutex
	rtts   []time.Duration
	echoed int64
}

func dial(ctx context.Context, t *target, w workload) (*session, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, t.url, &websocket.DialOptions{
		HTTPClient:      t.client,
		HTTPHeader:      http.Header{"Origin": {t.origin}},
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(-1)
	s := &session{c: c, credit: make(chan struct{}, max(w.window, 1)), drained: make(chan struct{}, 1), done: make(chan struct{})}
	go s.read()
	if err := s.send(ctx, make([]byte, w.size)); err != nil {
		c.CloseNow()
		return nil, err
	}
	if err := s.wait(ctx); err != nil {
		c.CloseNow()
		return nil, err
	}
	s.take() // the proving round trip is not a sample
	return s, nil
}

func (s *session) read() {
	defer close(s.done)
	for {
		_, r, err := s.c.Reader(context.Background())
		if err != nil {
			return
		}
		msg, err := readMessage(r, &s.buf)
		if err != nil || len(msg) < 8 {
			return
		}
		rtt := time.Since(epoch) - time.Duration(binary.BigEndian.Uint64(msg))
		s.mu.Lock()
		s.rtts = append(s.rtts, rtt)
		s.echoed += int64(len(msg))
		s.mu.Unlock()
		select {
		case s.credit <- struct{}{}:
		default:
		}
		if s.pending.Add(-1) == 0 {
			select {
			case s.drained <- struct{}{}:
			default:
			}
		}
	}
}

// send sends msg stamped with the time.
func (s *session) send(ctx context.Context, msg []byte) error {
	binary.BigEndian.PutUint64(msg, uint64(time.Since(epoch)))
	s.pending.Add(1)
	return s.c.Write(ctx, websocket.MessageBinary, msg)
}

// wait waits until every message sent has been echoed.
func (s *session) wait(ctx context.Context) error {
	for s.pending.Load() > 0 {
		select {
		case <-s.drained:
		case <-s.done:
			return errors.New("the connection closed with messages in flight")
		case <-ctx.Done():
			return fmt.Errorf("%d messages not echoed: %w", s.pending.Load(), ctx.Err())
		}
	}
	return nil
}

// take returns and forgets the samples gathered so far.
func (s *session) take() ([]time.Duration, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rtts, echoed := s.rtts, s.echoed
	s.rtts, s.echoed = nil, 0
	return rtts, echoed
}

// drive sends messages as w says until sending ends, then waits for their
// echoes; io bounds the writes and the wait.
func (s *session) drive(sending, io context.Context, w workload) error {
	msg := make([]byte, w.size)
	if w.window > 0 {
		for range len(s.credit) { // credits left from the last round
			<-s.credit
		}
		for sent := 0; ; sent++ {
			if sent >= w.window {
				select {
				case <-s.credit:
				case <-sending.Done():
					return s.wait(io)
				}
			}
			if err := s.send(io, msg); err != nil {
				return err
			}
		}
	}
	// Sessions send at random phases, as independent browsers would,
	// rather than all on the same tick.
	interval := time.Duration(float64(time.Second) / w.rate)
	next := time.NewTimer(rand.N(interval))
	defer next.Stop()
	for {
		select {
		case <-next.C:
			next.Reset(interval)
			if err := s.send(io, msg); err != nil {
				return err
			}
		case <-sending.Done():
			return s.wait(io)
		}
	}
}
