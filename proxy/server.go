package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// whatsmeowKeepalive is the longest gap between whatsmeow's keepalives; an
// idle timeout near it would drop healthy sessions.
const whatsmeowKeepalive = 30 * time.Second

// maxHeaderBytes bounds a request's headers. The app's requests and the
// WebSocket handshake need a few hundred bytes; net/http's default of
// 1 MiB would let each slow client pin far more.
const maxHeaderBytes = 16 << 10

// Server is the proxy: the static site, the relay at /ws, WhatsApp Web's
// current version at /wa-version, /healthz and, if Config.MetricsPublic,
// /metrics.
type Server struct {
	handler   http.Handler
	metrics   http.Handler
	http      *http.Server
	site      *staticSite
	relay     *relay
	waVersion *waVersionTracker
	// stopWAVersion ends the version tracker's background fetching, and
	// waVersionDone is closed once it has.
	stopWAVersion context.CancelFunc
	waVersionDone chan struct{}
}

// New checks cfg and builds the server. log receives one line per relay
// session and per refusal, never any payload, and one per change of the
// WhatsApp Web version and per failure to learn it. Unless
// cfg.WAVersionSource is empty, New starts learning the version in the
// background; Shutdown stops it.
func New(cfg Config, log *slog.Logger) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	// validate has checked these lists.
	origins, _ := newOriginPolicy(cfg.AllowedOrigins)
	// The relay's check, /embed/allowed and the CSP's frame-ancestors all
	// read these parsed entries, so they cannot disagree.
	ancestors, _ := newFrameAncestors(cfg.FrameAncestors)
	trusted, _ := parseTrustedProxies(cfg.TrustedProxies)
	if cfg.IdleTimeout < 2*whatsmeowKeepalive {
		log.Warn("the idle timeout is close to whatsmeow's keepalive interval; healthy sessions may be dropped",
			"idle_timeout", cfg.IdleTimeout, "keepalive", whatsmeowKeepalive)
	}

	site, err := newStaticSite(cfg.Dist, cfg, clientIPs{trusted: trusted})
	if err != nil {
		return nil, errors.Join(errors.New("opening the static site (run `make build`)"), err)
	}
	rl := newRelay(cfg, origins, trusted, log)
	version := newWAVersionTracker(cfg.WAVersionSource, defaultWAVersionTiming(cfg.WAVersionRefresh), log)
	rl.metrics.registry.MustRegister(version.metrics.collectors...)
	rl.metrics.registry.MustRegister(site.downloads.collectors()...)
	metrics := promhttp.HandlerFor(rl.metrics.registry, promhttp.HandlerOpts{})
	// Every response but the relay's has a write deadline; the site sets
	// its own, by size. The relay's connections are long-lived and have
	// timeouts of their own.
	timed := func(h http.Handler) http.Handler { return withWriteDeadline(h, cfg.StaticWriteTimeout) }
	mux := http.NewServeMux()
	mux.Handle("/ws", rl)
	// An exact pattern, so it wins over the site at "/" whatever files
	// the site has.
	mux.Handle("/wa-version", timed(version))
	mux.Handle("/embed/allowed", timed(embedAllowed(ancestors)))
	mux.Handle("/healthz", timed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write([]byte("ok\n"))
	})))
	if cfg.MetricsPublic {
		mux.Handle("/metrics", timed(metrics))
	} else {
		// Not the site's index.html, which a misdirected scraper would
		// take for a broken exporter.
		mux.Handle("/metrics", timed(http.NotFoundHandler()))
	}
	mux.Handle("/", site)
	s := &Server{handler: securityHeaders(mux, ancestors), metrics: metrics, site: site, relay: rl, waVersion: version}
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: cfg.HandshakeTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ctx, stop := context.WithCancel(context.Background())
	s.stopWAVersion, s.waVersionDone = stop, make(chan struct{})
	if cfg.WAVersionSource != "" {
		go func() {
			defer close(s.waVersionDone)
			version.run(ctx)
		}()
	} else {
		close(s.waVersionDone)
	}
	return s, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// Serve accepts connections on ln until Shutdown, with the handshake and
// keep-alive timeouts of the configuration applied.
func (s *Server) Serve(ln net.Listener) error {
	err := s.http.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Metrics serves the Prometheus metrics, for a listener of their own.
func (s *Server) Metrics() http.Handler { return s.metrics }

// Shutdown stops accepting connections and learning the WhatsApp Web
// version, closes every relay session with "going away" and waits for them
// to finish, or for ctx to end.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopWAVersion()
	var err error
	select {
	case <-s.waVersionDone:
	case <-ctx.Done():
		err = fmt.Errorf("waiting for the WhatsApp Web version lookup to stop: %w", ctx.Err())
	}
	// http.Server.Shutdown does not track hijacked connections, so the
	// relay's sessions are closed separately.
	err = errors.Join(err, s.http.Shutdown(ctx))
	err = errors.Join(err, s.relay.shutdown(ctx))
	return errors.Join(err, s.site.Close())
}
