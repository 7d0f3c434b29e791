package proxy

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// Server is the proxy: the static site, the relay at /ws and /healthz.
type Server struct {
	handler http.Handler
	site    *staticSite
	relay   *relay
}

// New checks cfg and builds the server. log receives one line per relay
// session and per refusal, never any payload.
func New(cfg Config, log *slog.Logger) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	// validate has checked both lists.
	origins, _ := newOriginPolicy(cfg.AllowedOrigins)
	ancestors, _ := newOriginPolicy(cfg.FrameAncestors)

	site, err := newStaticSite(cfg.Dist)
	if err != nil {
		return nil, errors.Join(errors.New("opening the static site (run `make build`)"), err)
	}
	rl := &relay{
		upstream:       cfg.Upstream,
		upstreamOrigin: cfg.UpstreamOrigin,
		origins:        origins,
		dialTimeout:    10 * time.Second,
		log:            log,
		sessions:       map[*session]struct{}{},
	}
	mux := http.NewServeMux()
	mux.Handle("/ws", rl)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write([]byte("ok\n"))
	})
	mux.Handle("/", site)
	return &Server{handler: securityHeaders(mux, ancestors), site: site, relay: rl}, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// Shutdown closes every relay session with "going away" and waits for them
// to finish, or for ctx to end. Call it after http.Server.Shutdown, which
// does not track WebSockets.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.relay.shutdown(ctx)
	return errors.Join(err, s.site.Close())
}
