package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// relay accepts browser WebSockets and pairs each with a new connection to
// the one configured upstream, forwarding frames both ways unchanged. It
// keeps no state beyond its open sessions and the admission counters, so
// replicas behind a load balancer need nothing from each other.
type relay struct {
	upstream       string
	upstreamOrigin string
	origins        originPolicy
	clientIPs      clientIPs
	admission      *admission
	metrics        *metrics
	dialer         *http.Client
	maxMessage     int64
	dialTimeout    time.Duration
	idleTimeout    time.Duration
	writeTimeout   time.Duration
	log            *slog.Logger
	refusals       *refusalLog

	// buffersInUse counts pooled copy buffers held by frames in flight.
	buffersInUse atomic.Int64

	mu       sync.Mutex
	sessions map[*session]struct{}
	closing  bool
}

func newRelay(cfg Config, origins originPolicy, trusted []netip.Prefix, log *slog.Logger) *relay {
	rl := &relay{
		upstream:       cfg.Upstream,
		upstreamOrigin: cfg.UpstreamOrigin,
		origins:        origins,
		clientIPs:      clientIPs{trusted: trusted},
		admission:      newAdmission(cfg),
		dialer:         newUpstreamClient(cfg.DialTimeout, cfg.UpstreamRootCAs),
		maxMessage:     cfg.MaxMessage,
		dialTimeout:    cfg.DialTimeout,
		idleTimeout:    cfg.IdleTimeout,
		writeTimeout:   cfg.WriteTimeout,
		log:            log,
		sessions:       map[*session]struct{}{},
	}
	rl.metrics = newMetrics(
		func() float64 { return float64(rl.admission.openConns()) },
		func() float64 { return float64(rl.buffersInUse.Load() * copyBufferSize) },
	)
	rl.refusals = newRefusalLog(log, refusalLogsPerSecond, rl.metrics.refusalLogsSuppressed)
	return rl
}

// newUpstreamClient makes the HTTP client for upstream handshakes. Its
// buffers only carry the handshake, after which the relay reads and writes
// the connection itself, so they are kept small; keep-alives are off
// because an upgraded connection is never reused and a failed handshake's
// connection should not linger in a pool. roots, if not nil, replace the
// system's certificate authorities for a wss:// upstream.
func newUpstreamClient(timeout time.Duration, roots *x509.CertPool) *http.Client {
	dialer := &net.Dialer{Timeout: timeout}
	return &http.Client{Transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         dialer.DialContext,
		TLSClientConfig:     &tls.Config{RootCAs: roots},
		TLSHandshakeTimeout: timeout,
		DisableKeepAlives:   true,
		ReadBufferSize:      2 << 10,
		WriteBufferSize:     1 << 10,
	}}
}

func (rl *relay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ip := rl.clientIPs.of(r)
	if err := rl.origins.check(r); err != nil {
		rl.refuse(w, r, ip, refusedOrigin, http.StatusForbidden, err.Error())
		return
	}
	if herr := checkHandshake(r); herr != nil {
		rl.refuse(w, r, ip, refusedHandshake, herr.status, herr.msg)
		return
	}
	key := clientKey(ip)
	if reason, ok := rl.admission.admit(key, time.Now()); !ok {
		status := http.StatusTooManyRequests
		if reason == refusedMaxConns || reason == refusedShutdown || reason == refusedDialRate {
			status = http.StatusServiceUnavailable
		}
		w.Header().Set("Retry-After", "1")
		rl.refuse(w, r, ip, reason, status, "")
		return
	}
	// The upstream is dialed before the browser's handshake is answered:
	// if it is down, the browser's WebSocket fails to open and its client
	// knows at once, instead of waiting out its handshake timeout (20 s in
	// whatsmeow) on a connection that will never carry a server hello.
	started := time.Now()
	ctx, cancel := context.WithTimeout(r.Context(), rl.dialTimeout)
	upstream, err := dialUpstream(ctx, rl.dialer, rl.upstream, rl.upstreamOrigin)
	cancel()
	if err != nil {
		rl.admission.release(key)
		status := http.StatusBadGateway
		if errors.Is(err, context.DeadlineExceeded) {
			status = http.StatusGatewayTimeout
		}
		rl.refuse(w, r, ip, refusedUpstreamDown, status, err.Error())
		return
	}
	dialed := time.Since(started)
	conn, err := accept(w, r)
	if err != nil {
		upstream.Close()
		rl.admission.release(key)
		rl.refused(r, ip, refusedHandshake, err.Error())
		return
	}
	rl.metrics.dial.Observe(dialed.Seconds())
	rl.metrics.accepted.Inc()
	s := newSession(rl, &peer{conn: conn}, &peer{conn: upstream, masked: true}, started)
	s.dialed, s.client, s.key, s.origin = dialed, ip, key, r.Header.Get("Origin")
	if !rl.register(s) {
		bye := closeMsg{closeGoingAway, "the server is shutting down"}
		s.end(endShutdown, closeGoingAway, [2]closeMsg{bye, bye})
	}
	// The session runs on its own goroutines and this handler returns now,
	// letting net/http drop its per-request state and the handler's deep
	// stack: an idle session then costs only what it holds itself.
	s.start()
}

// refuse records why the relay turns a request away, then answers it.
func (rl *relay) refuse(w http.ResponseWriter, r *http.Request, ip netip.Addr, reason refusal, status int, detail string) {
	rl.refused(r, ip, reason, detail)
	msg := http.StatusText(status) + ": " + string(reason)
	if detail != "" {
		msg += ": " + detail
	}
	http.Error(w, msg, status)
}

func (rl *relay) refused(r *http.Request, ip netip.Addr, reason refusal, detail string) {
	rl.metrics.refused.WithLabelValues(string(reason)).Inc()
	rl.refusals.refused(reason, "detail", detail,
		"client", addrString(ip), "peer", r.RemoteAddr, "origin", r.Header.Get("Origin"))
}

// sessionEnded records a finished session and frees its slot.
func (rl *relay) sessionEnded(s *session) {
	rl.unregister(s)
	lifetime := time.Since(s.started)
	rl.metrics.duration.Observe(lifetime.Seconds())
	rl.metrics.ended.WithLabelValues(string(s.reason)).Inc()
	rl.log.Info("relay session ended", "reason", string(s.reason), "close_code", int(s.code),
		"client", addrString(s.client), "origin", s.origin,
		"dial", s.dialed.Round(time.Millisecond), "duration", lifetime.Round(time.Millisecond),
		"bytes_up", s.bytes[toUpstream], "bytes_down", s.bytes[toClient])
	rl.admission.release(s.key)
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	return a.String()
}

func (rl *relay) getBuffer() *[]byte {
	rl.buffersInUse.Add(1)
	return copyBuffers.Get().(*[]byte)
}

func (rl *relay) putBuffer(b *[]byte) {
	copyBuffers.Put(b)
	rl.buffersInUse.Add(-1)
}

func (rl *relay) register(s *session) bool {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if rl.closing {
		return false
	}
	rl.sessions[s] = struct{}{}
	return true
}

func (rl *relay) unregister(s *session) {
	rl.mu.Lock()
	delete(rl.sessions, s)
	rl.mu.Unlock()
}

// shutdown refuses new connections, closes every session with "going
// away", so browsers reconnect elsewhere, and waits for them to end or for
// ctx to.
func (rl *relay) shutdown(ctx context.Context) error {
	rl.admission.close()
	rl.mu.Lock()
	rl.closing = true
	sessions := make([]*session, 0, len(rl.sessions))
	for s := range rl.sessions {
		sessions = append(sessions, s)
	}
	rl.mu.Unlock()
	bye := closeMsg{closeGoingAway, "the server is shutting down"}
	for _, s := range sessions {
		s.end(endShutdown, closeGoingAway, [2]closeMsg{bye, bye})
	}
	done := make(chan struct{})
	go func() { rl.admission.inFlight.Wait(); close(done) }()
	defer rl.refusals.close()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
