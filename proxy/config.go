package proxy

import (
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"
)

// WhatsApp's own endpoint and the Origin its servers expect from WhatsApp Web.
const (
	DefaultUpstream       = "wss://web.whatsapp.com/ws/chat"
	DefaultUpstreamOrigin = "https://web.whatsapp.com"
	// DefaultWAVersionSource is the page that names WhatsApp Web's current
	// version; cmd/proxy's -wa-version-source defaults to it.
	DefaultWAVersionSource = "https://web.whatsapp.com/"
)

// Defaults for the limits. A replica of this size serves thousands of
// browsers; per-IP limits leave room for a household or office behind one
// NAT address reconnecting after a network change.
const (
	DefaultMaxConns      = 10000
	DefaultMaxConnsPerIP = 64
	DefaultConnRate      = 5.0 // per second, per client IP
	DefaultConnBurst     = 40
	// An IPv6 subscriber usually gets a /56 (a home) or a /48 (a site),
	// that is 256 or 65536 /64s, each with its own per-IP limit; these
	// keep one allocation to a bounded share of MaxConns.
	DefaultMaxConnsPer56 = 256
	DefaultMaxConnsPer48 = 1024
	// Every admitted connection is a new connection from the operator's
	// address to WhatsApp; this many a second, on average, lets a full
	// replica's sessions reconnect in under two minutes.
	DefaultDialRate         = 100.0
	DefaultDialBurst        = 200
	DefaultMaxMessage       = maxWhatsAppMessage
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultDialTimeout      = 10 * time.Second
	// whatsmeow sends a keepalive every 20–30 s, so three minutes without a
	// byte in either direction means the session is dead.
	DefaultIdleTimeout  = 3 * time.Minute
	DefaultWriteTimeout = 30 * time.Second
	// A response other than the relay's has DefaultStaticWriteTimeout to
	// be written, plus its size at DefaultStaticMinRate: 30 s for a page,
	// about 6 min for the 5.7 MB brotli wasm, 54 min for the 50 MB raw one.
	// 16 KiB/s (128 kbit/s) is below what a 2G EDGE link carries, so any
	// link the app could be used over finishes the download, while a
	// client that stops reading holds its connection for a bounded time.
	DefaultStaticWriteTimeout = 30 * time.Second
	DefaultStaticMinRate      = 16 << 10 // bytes per second
	// Downloads of files over 1 MiB (in practice app.wasm, fetched once per
	// version: revalidations are 304s and not counted).
	DefaultMaxLargeDownloads      = 256
	DefaultMaxLargeDownloadsPerIP = 16
	// WhatsApp Web's version changes every few days, and a client stays
	// accepted for a while after it does.
	DefaultWAVersionRefresh = 6 * time.Hour
)

// minWAVersionRefresh keeps the proxy from polling WhatsApp Web's page so
// often that it looks like abuse; WAVersionRefresh must be longer.
const minWAVersionRefresh = time.Minute

// maxWhatsAppMessage is the largest message WhatsApp sends: its 3-byte
// frame length allows 16 MiB, plus the 4-byte connection header and the
// length itself.
const maxWhatsAppMessage = 1<<24 + 8

// Bounds on MaxMessage: below 1 KiB no WhatsApp frame fits, above 1 GiB a
// handful of clients could exhaust the machine.
const (
	minMaxMessage = 1 << 10
	maxMaxMessage = 1 << 30
)

// Config is everything the proxy needs; cmd/proxy fills it from flags and
// environment variables. Zero numeric fields take the defaults above.
type Config struct {
	// Dist is the directory of the generated static site.
	Dist string
	// Upstream is the WebSocket URL every relayed connection dials.
	Upstream string
	// UpstreamOrigin is the Origin header sent to the upstream.
	UpstreamOrigin string
	// UpstreamRootCAs, if set, are the only certificate authorities a
	// wss:// upstream's certificate may chain to; nil trusts the system's.
	// It is for tests and for private deployments whose upstream has its
	// own CA; WhatsApp's certificate chains to the system's roots.
	UpstreamRootCAs *x509.CertPool
	// AllowedOrigins are the page origins, besides the proxy's own, that may
	// open the relay, e.g. "https://app.example.com" or "http://localhost:*".
	AllowedOrigins []string
	// FrameAncestors are the origins allowed to embed the app in a frame; the
	// proxy's own origin is always allowed.
	FrameAncestors []string

	// MaxConns caps concurrent relay connections on this replica.
	MaxConns int
	// MaxConnsPerIP caps concurrent relay connections from one client IP
	// (one /64 for IPv6).
	MaxConnsPerIP int
	// MaxConnsPer56 and MaxConnsPer48 cap concurrent relay connections
	// from one IPv6 /56 and one IPv6 /48, however many /64s they come from.
	MaxConnsPer56 int
	MaxConnsPer48 int
	// ConnRate is how many new relay connections per second one client IP
	// may open on average, and ConnBurst how many it may open at once.
	ConnRate  float64
	ConnBurst int
	// DialRate is how many upstream dials per second the replica makes on
	// average, whoever asks, and DialBurst how many at once: every admitted
	// connection is one, from the operator's address.
	DialRate  float64
	DialBurst int
	// MaxMessage is the largest message relayed in either direction.
	MaxMessage int64
	// HandshakeTimeout bounds reading a request's headers, so a client
	// that trickles them (slowloris) is cut off.
	HandshakeTimeout time.Duration
	// DialTimeout bounds connecting to the upstream, WebSocket handshake
	// included.
	DialTimeout time.Duration
	// IdleTimeout ends a relay session after this long without a byte in
	// either direction, and closes idle keep-alive HTTP connections.
	IdleTimeout time.Duration
	// WriteTimeout ends a relay session when a write to either peer makes
	// no progress for this long: a peer that stops reading cannot pin the
	// session's buffers.
	WriteTimeout time.Duration
	// StaticWriteTimeout bounds writing any response but the relay's: the
	// static site's, /healthz, /wa-version, /embed/allowed, /metrics. A
	// static file has StaticMinRate (bytes per second) more for its size,
	// so a large download on a slow link completes while a client that
	// reads nothing is dropped. Relay sessions are long-lived and never
	// get these deadlines.
	StaticWriteTimeout time.Duration
	StaticMinRate      int64
	// MaxLargeDownloads caps concurrent static responses of files over
	// 1 MiB, and MaxLargeDownloadsPerIP those to one client IP (IPv6 /64);
	// over either the proxy answers 503 or 429 with Retry-After.
	MaxLargeDownloads      int
	MaxLargeDownloadsPerIP int
	// TrustedProxies are the addresses or CIDR prefixes of load balancers
	// whose X-Forwarded-For header names the client. Requests from anywhere
	// else are attributed to their own address.
	TrustedProxies []string
	// WAVersionSource is the http(s) page the proxy learns WhatsApp Web's
	// current version from, by its "client_revision", to serve it at
	// /wa-version; normally DefaultWAVersionSource. Unlike the other fields,
	// empty is not replaced by a default but turns the lookup off, so a
	// Server never reaches out to WhatsApp unasked; /wa-version then
	// answers 503 and the app uses the version it was built with.
	WAVersionSource string
	// WAVersionRefresh is how often the version is fetched again after a
	// success, give or take 10%; after a failure it is retried sooner.
	WAVersionRefresh time.Duration
	// MetricsPublic serves /metrics on the main handler, to anyone who can
	// reach the proxy. Without it the main handler answers /metrics with
	// 404, and the metrics are only served by Server.Metrics, for a private
	// listener (cmd/proxy's -metrics-listen): they tell an attacker how
	// close each limit is.
	MetricsPublic bool
}

// withDefaults returns c with empty fields set to their defaults.
func (c Config) withDefaults() Config {
	setDefault(&c.Upstream, DefaultUpstream)
	setDefault(&c.UpstreamOrigin, DefaultUpstreamOrigin)
	setDefault(&c.MaxConns, DefaultMaxConns)
	setDefault(&c.MaxConnsPerIP, DefaultMaxConnsPerIP)
	setDefault(&c.ConnRate, DefaultConnRate)
	setDefault(&c.ConnBurst, DefaultConnBurst)
	setDefault(&c.MaxConnsPer56, DefaultMaxConnsPer56)
	setDefault(&c.MaxConnsPer48, DefaultMaxConnsPer48)
	setDefault(&c.DialRate, DefaultDialRate)
	setDefault(&c.DialBurst, DefaultDialBurst)
	setDefault(&c.MaxMessage, DefaultMaxMessage)
	setDefault(&c.HandshakeTimeout, DefaultHandshakeTimeout)
	setDefault(&c.DialTimeout, DefaultDialTimeout)
	setDefault(&c.IdleTimeout, DefaultIdleTimeout)
	setDefault(&c.WriteTimeout, DefaultWriteTimeout)
	setDefault(&c.WAVersionRefresh, DefaultWAVersionRefresh)
	setDefault(&c.StaticWriteTimeout, DefaultStaticWriteTimeout)
	setDefault(&c.StaticMinRate, DefaultStaticMinRate)
	setDefault(&c.MaxLargeDownloads, DefaultMaxLargeDownloads)
	setDefault(&c.MaxLargeDownloadsPerIP, DefaultMaxLargeDownloadsPerIP)
	return c
}

func setDefault[T comparable](field *T, def T) {
	var zero T
	if *field == zero {
		*field = def
	}
}

// validate reports every problem in c at once, so an operator fixes them in
// one go.
func (c Config) validate() error {
	var errs []error
	if c.Dist == "" {
		errs = append(errs, errors.New("dist: the static site directory is required"))
	}
	if u, err := url.Parse(c.Upstream); err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		errs = append(errs, fmt.Errorf("upstream %q: want a ws:// or wss:// URL with a host", c.Upstream))
	} else if c.UpstreamRootCAs != nil && u.Scheme != "wss" {
		errs = append(errs, fmt.Errorf("upstream %q: certificate authorities are given for it, but it is not a wss:// URL", c.Upstream))
	}
	if _, err := parseOrigin(c.UpstreamOrigin); err != nil {
		errs = append(errs, fmt.Errorf("upstream origin: %w", err))
	}
	if _, err := newOriginPolicy(c.AllowedOrigins); err != nil {
		errs = append(errs, fmt.Errorf("allowed origins: %w", err))
	}
	if _, err := newFrameAncestors(c.FrameAncestors); err != nil {
		errs = append(errs, fmt.Errorf("frame ancestors: %w", err))
	}
	if c.WAVersionSource != "" {
		if u, err := url.Parse(c.WAVersionSource); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("WhatsApp Web version source %q: want an http:// or https:// URL with a host, or nothing to turn the lookup off", c.WAVersionSource))
		}
	}
	if c.WAVersionRefresh <= minWAVersionRefresh {
		errs = append(errs, fmt.Errorf("WhatsApp Web version refresh %v: must be longer than %v", c.WAVersionRefresh, minWAVersionRefresh))
	}
	if _, err := parseTrustedProxies(c.TrustedProxies); err != nil {
		errs = append(errs, fmt.Errorf("trusted proxies: %w", err))
	}
	positive := func(name string, ok bool, v any) {
		if !ok {
			errs = append(errs, fmt.Errorf("%s %v: must be positive", name, v))
		}
	}
	positive("max connections", c.MaxConns > 0, c.MaxConns)
	positive("max connections per IP", c.MaxConnsPerIP > 0, c.MaxConnsPerIP)
	// The comparisons also reject NaN and infinity.
	positive("connection rate", c.ConnRate > 0 && c.ConnRate <= math.MaxFloat64, c.ConnRate)
	positive("connection burst", c.ConnBurst > 0, c.ConnBurst)
	positive("max connections per IPv6 /56", c.MaxConnsPer56 > 0, c.MaxConnsPer56)
	positive("max connections per IPv6 /48", c.MaxConnsPer48 > 0, c.MaxConnsPer48)
	positive("dial rate", c.DialRate > 0 && c.DialRate <= math.MaxFloat64, c.DialRate)
	positive("dial burst", c.DialBurst > 0, c.DialBurst)
	positive("handshake timeout", c.HandshakeTimeout > 0, c.HandshakeTimeout)
	positive("dial timeout", c.DialTimeout > 0, c.DialTimeout)
	positive("idle timeout", c.IdleTimeout > 0, c.IdleTimeout)
	positive("write timeout", c.WriteTimeout > 0, c.WriteTimeout)
	positive("static write timeout", c.StaticWriteTimeout > 0, c.StaticWriteTimeout)
	positive("static minimum rate", c.StaticMinRate > 0, c.StaticMinRate)
	positive("max large downloads", c.MaxLargeDownloads > 0, c.MaxLargeDownloads)
	positive("max large downloads per IP", c.MaxLargeDownloadsPerIP > 0, c.MaxLargeDownloadsPerIP)
	if c.MaxMessage < minMaxMessage || c.MaxMessage > maxMaxMessage {
		errs = append(errs, fmt.Errorf("max message %d: want between %d and %d bytes (WhatsApp needs %d)",
			c.MaxMessage, minMaxMessage, maxMaxMessage, maxWhatsAppMessage))
	}
	return errors.Join(errs...)
}

// SplitList splits a comma- or space-separated list, as given in a flag or
// an environment variable, dropping empty entries.
func SplitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}
