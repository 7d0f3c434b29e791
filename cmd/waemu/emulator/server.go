// Package emulator is a local WhatsApp server for tests and demos. It speaks
// the multi-device protocol well enough that an unmodified whatsmeow client
// pairs, logs in and manages its privacy settings against it, and it plays
// the account's phone through a JSON control API and the /phone page.
//
// Start it in-process with New and Handler, and point a whatsmeow client at
// it with HTTPClient. Its certificate chain is signed by a TEST-ONLY root key
// (RootPublicKey), which clients trust only when built with the "waemu" tag.
package emulator

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Errors returned by the phone-side methods; the control API maps them to
// HTTP statuses 400, 404 and 502.
var (
	ErrInvalid   = errors.New("invalid request")
	ErrNotFound  = errors.New("not found")
	ErrCompanion = errors.New("companion did not complete the exchange")
)

// Options configure a Server.
type Options struct {
	// StatePath is the file accounts are loaded from and saved to after every
	// change. Empty keeps them in memory only.
	StatePath string
	// Logger receives the server's logs; nil means slog.Default().
	Logger *slog.Logger
	// MinClientVersion ("2.3000.N") refuses older clients with failure 405;
	// empty refuses none.
	MinClientVersion string
	// CurrentClientVersion ("2.3000.N" or "N") is the WhatsApp Web version
	// GET / publishes; empty means this build's whatsmeow's own.
	CurrentClientVersion string
}

// Server is an emulated WhatsApp server. Its methods are safe for concurrent use.
type Server struct {
	log    *slog.Logger
	static *ecdh.PrivateKey // noise static key; a fresh one per process is fine, clients don't pin it
	cert   []byte
	world  *world
	live   *registry
	faults faultState
	mux    *http.ServeMux
	ids    atomic.Uint64
	// handshakeTimeout cuts connections that never finish the handshake.
	handshakeTimeout time.Duration

	versionMu sync.Mutex
	versions  versionState

	// pairMu serialises the phone's pairing work, so two pairings of a new
	// account cannot create it twice with different identity keys.
	pairMu sync.Mutex

	ctx      context.Context
	stop     context.CancelFunc
	connMu   sync.Mutex
	closed   bool
	connsRun sync.WaitGroup
}

// New creates a server, loading accounts from opts.StatePath if that file exists.
func New(opts Options) (*Server, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	static, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	cert, err := newCertChain(static.PublicKey(), time.Now())
	if err != nil {
		return nil, err
	}
	versions := versionState{current: defaultCurrentVersion()}
	if opts.MinClientVersion != "" {
		v, err := ParseClientVersion(opts.MinClientVersion)
		if err != nil {
			return nil, fmt.Errorf("minimum client version: %w", err)
		}
		versions.min = &v
	}
	if opts.CurrentClientVersion != "" {
		v, err := ParseClientVersion(opts.CurrentClientVersion)
		if err != nil {
			return nil, fmt.Errorf("current client version: %w", err)
		}
		versions.current = v
	}
	w, err := loadWorld(opts.StatePath, log)
	if err != nil {
		return nil, err
	}
	ctx, stop := context.WithCancel(context.Background())
	s := &Server{
		log:    log,
		static: static,
		cert:   cert,
		world:  w,
		live:   newRegistry(),
		mux:    http.NewServeMux(),
		ctx:    ctx,
		stop:   stop,

		versions: versions,

		handshakeTimeout: 20 * time.Second, // whatsmeow's own NoiseHandshakeResponseTimeout
	}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /ws/chat", s.serveWebSocket)
	s.controlRoutes()
	s.mux.HandleFunc("GET /phone", s.servePhone)
	s.mux.HandleFunc("GET /{$}", s.serveRoot)
}

// Handler serves the WebSocket at /ws/chat, the control API under /control/,
// the phone page at /phone and, at /, a page publishing the current
// WhatsApp Web version as web.whatsapp.com does.
func (s *Server) Handler() http.Handler { return s.mux }

// Close disconnects every companion and waits for their connections to end.
// Accounts are already saved after each change.
func (s *Server) Close() error {
	s.connMu.Lock()
	s.closed = true
	s.connMu.Unlock()
	s.stop()
	s.connsRun.Wait()
	return nil
}

// HTTPClient returns a client that sends every request to addr (host:port)
// over plain TCP, whatever the URL says. whatsmeow dials the fixed URL
// wss://web.whatsapp.com/ws/chat; give it this client with
// SetWebsocketHTTPClient and SetPreLoginHTTPClient to reach the emulator
// instead; only Messenger mode takes another URL. A plain connection returned from
// DialTLSContext makes net/http speak HTTP/1.1 over it.
func HTTPClient(addr string) *http.Client {
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
	return &http.Client{Transport: &http.Transport{DialContext: dial, DialTLSContext: dial}}
}

// track registers a connection unless the server is closing.
func (s *Server) track() bool {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if s.closed {
		return false
	}
	s.connsRun.Add(1)
	return true
}

// newID returns a stanza id. Digits only, so it can never equal a whatsmeow
// request id, which always contains '.' and '-'.
func (s *Server) newID() string { return strconv.FormatUint(s.ids.Add(1), 10) }

// randomBytes returns n bytes from crypto/rand, which cannot fail (Go ≥ 1.24).
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
