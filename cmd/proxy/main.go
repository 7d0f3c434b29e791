// Command proxy serves the waprivacy static site and relays the browser's
// WebSocket to WhatsApp (or, for tests and demos, to the emulator).
//
// Every flag can also be set through the environment variable named in its
// help text; a flag given on the command line wins.
package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/waprivacy/waprivacy/proxy"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "proxy:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	f := &envFlags{fs: flag.NewFlagSet("proxy", flag.ContinueOnError)}
	listen := f.String("listen", "WAPRIVACY_LISTEN", ":8080", "address to listen on")
	metricsListen := f.String("metrics-listen", "WAPRIVACY_METRICS_LISTEN", "", "serve /metrics on this address, e.g. a private 127.0.0.1:9090")
	metricsPublic := f.Bool("metrics-public", "WAPRIVACY_METRICS_PUBLIC", false, "also serve /metrics on the main listener, to anyone who can reach it")
	dist := f.String("dist", "WAPRIVACY_DIST", "dist", "directory of the built static site")
	upstream := f.String("upstream", "WAPRIVACY_UPSTREAM", proxy.DefaultUpstream, "WebSocket URL the relay connects to")
	upstreamCA := f.String("upstream-ca", "WAPRIVACY_UPSTREAM_CA", "", "PEM file of the only certificate authorities a wss:// upstream may chain to, for tests and private upstreams; empty trusts the system's")
	upstreamOrigin := f.String("upstream-origin", "WAPRIVACY_UPSTREAM_ORIGIN", proxy.DefaultUpstreamOrigin, "Origin header sent upstream")
	origins := f.String("allowed-origins", "WAPRIVACY_ALLOWED_ORIGINS", "", "comma-separated page origins allowed to use the relay besides the proxy's own, scheme://host[:port], with *. for subdomains and :* for any port, e.g. https://app.example.com,https://*.example.net,http://localhost:*")
	ancestors := f.String("frame-ancestors", "WAPRIVACY_FRAME_ANCESTORS", "", "comma-separated origins allowed to embed the app in a frame (CSP frame-ancestors and /embed/allowed), written as for -allowed-origins; no IPv6 addresses")
	trusted := f.String("trusted-proxies", "WAPRIVACY_TRUSTED_PROXIES", "", "comma-separated addresses or CIDR prefixes of load balancers whose X-Forwarded-For is believed")
	maxConns := f.Int("max-conns", "WAPRIVACY_MAX_CONNS", proxy.DefaultMaxConns, "maximum concurrent relay connections")
	maxConnsPerIP := f.Int("max-conns-per-ip", "WAPRIVACY_MAX_CONNS_PER_IP", proxy.DefaultMaxConnsPerIP, "maximum concurrent relay connections per client IP (per /64 for IPv6)")
	maxConnsPer56 := f.Int("max-conns-per-56", "WAPRIVACY_MAX_CONNS_PER_56", proxy.DefaultMaxConnsPer56, "maximum concurrent relay connections per IPv6 /56, across its /64s")
	maxConnsPer48 := f.Int("max-conns-per-48", "WAPRIVACY_MAX_CONNS_PER_48", proxy.DefaultMaxConnsPer48, "maximum concurrent relay connections per IPv6 /48, across its /64s")
	connRate := f.Float("conn-rate", "WAPRIVACY_CONN_RATE", proxy.DefaultConnRate, "new relay connections per second allowed per client IP, on average")
	connBurst := f.Int("conn-burst", "WAPRIVACY_CONN_BURST", proxy.DefaultConnBurst, "new relay connections a client IP may open at once")
	dialRate := f.Float("dial-rate", "WAPRIVACY_DIAL_RATE", proxy.DefaultDialRate, "upstream dials per second for the whole replica, on average (each admitted connection is one, from this machine's address)")
	dialBurst := f.Int("dial-burst", "WAPRIVACY_DIAL_BURST", proxy.DefaultDialBurst, "upstream dials the replica may make at once")
	maxMessage := f.Int64("max-message", "WAPRIVACY_MAX_MESSAGE", proxy.DefaultMaxMessage, "largest relayed message, in bytes")
	handshakeTimeout := f.Duration("handshake-timeout", "WAPRIVACY_HANDSHAKE_TIMEOUT", proxy.DefaultHandshakeTimeout, "time a client has to send its request headers")
	dialTimeout := f.Duration("dial-timeout", "WAPRIVACY_DIAL_TIMEOUT", proxy.DefaultDialTimeout, "time to connect to the upstream, WebSocket handshake included")
	idleTimeout := f.Duration("idle-timeout", "WAPRIVACY_IDLE_TIMEOUT", proxy.DefaultIdleTimeout, "end a relay session after this long with no traffic (whatsmeow pings every 20-30s)")
	writeTimeout := f.Duration("write-timeout", "WAPRIVACY_WRITE_TIMEOUT", proxy.DefaultWriteTimeout, "end a relay session when a peer accepts no data for this long")
	staticWriteTimeout := f.Duration("static-write-timeout", "WAPRIVACY_STATIC_WRITE_TIMEOUT", proxy.DefaultStaticWriteTimeout, "time any response but the relay's has to be written; a static file gets its size at -static-min-rate more")
	staticMinRate := f.Int64("static-min-rate", "WAPRIVACY_STATIC_MIN_RATE", proxy.DefaultStaticMinRate, "slowest download, in bytes per second, a static file's write deadline allows for (16384: the 5.7 MB wasm gets about 6 min)")
	maxLargeDownloads := f.Int("max-large-downloads", "WAPRIVACY_MAX_LARGE_DOWNLOADS", proxy.DefaultMaxLargeDownloads, "concurrent static responses over 1 MiB (the wasm); more get 503 with Retry-After")
	maxLargeDownloadsPerIP := f.Int("max-large-downloads-per-ip", "WAPRIVACY_MAX_LARGE_DOWNLOADS_PER_IP", proxy.DefaultMaxLargeDownloadsPerIP, "concurrent static responses over 1 MiB per client IP (per /64 for IPv6); more get 429 with Retry-After")
	waVersionSource := f.String("wa-version-source", "WAPRIVACY_WA_VERSION_SOURCE", proxy.DefaultWAVersionSource, "page to learn WhatsApp Web's current version from (its \"client_revision\"), served at /wa-version; empty turns the lookup off")
	waVersionRefresh := f.Duration("wa-version-refresh", "WAPRIVACY_WA_VERSION_REFRESH", proxy.DefaultWAVersionRefresh, "how often to fetch the WhatsApp Web version again, give or take 10% (sooner after a failure); more than 1m")
	logFormat := f.String("log-format", "WAPRIVACY_LOG_FORMAT", "text", "log format: text or json")
	if err := f.Parse(args); err != nil {
		return err
	}

	// The proxy reads a zero as "use the default"; on the command line it
	// more likely means "no limit", which there is not, so say so.
	var zeros []error
	for _, f := range []struct {
		name  string
		value float64
	}{
		{"max-conns", float64(*maxConns)}, {"max-conns-per-ip", float64(*maxConnsPerIP)},
		{"max-conns-per-56", float64(*maxConnsPer56)}, {"max-conns-per-48", float64(*maxConnsPer48)},
		{"conn-rate", *connRate}, {"conn-burst", float64(*connBurst)}, {"dial-rate", *dialRate}, {"dial-burst", float64(*dialBurst)},
		{"max-message", float64(*maxMessage)},
		{"handshake-timeout", float64(*handshakeTimeout)}, {"dial-timeout", float64(*dialTimeout)},
		{"idle-timeout", float64(*idleTimeout)}, {"write-timeout", float64(*writeTimeout)},
		{"wa-version-refresh", float64(*waVersionRefresh)},
		{"static-write-timeout", float64(*staticWriteTimeout)}, {"static-min-rate", float64(*staticMinRate)},
		{"max-large-downloads", float64(*maxLargeDownloads)}, {"max-large-downloads-per-ip", float64(*maxLargeDownloadsPerIP)},
	} {
		if f.value == 0 {
			zeros = append(zeros, fmt.Errorf("-%s 0: must be positive; there is no unlimited setting", f.name))
		}
	}

	var roots *x509.CertPool
	var rootsErr error
	if *upstreamCA != "" {
		roots, rootsErr = readRoots(*upstreamCA)
	}

	var handler slog.Handler
	switch *logFormat {
	case "text":
		handler = slog.NewTextHandler(os.Stderr, nil)
	case "json":
		handler = slog.NewJSONHandler(os.Stderr, nil)
	default:
		return fmt.Errorf("-log-format %q: want text or json", *logFormat)
	}
	log := slog.New(handler)

	srv, err := proxy.New(proxy.Config{
		Dist:             *dist,
		Upstream:         *upstream,
		UpstreamOrigin:   *upstreamOrigin,
		UpstreamRootCAs:  roots,
		AllowedOrigins:   proxy.SplitList(*origins),
		FrameAncestors:   proxy.SplitList(*ancestors),
		TrustedProxies:   proxy.SplitList(*trusted),
		MaxConns:         *maxConns,
		MaxConnsPerIP:    *maxConnsPerIP,
		MaxConnsPer56:    *maxConnsPer56,
		MaxConnsPer48:    *maxConnsPer48,
		ConnRate:         *connRate,
		ConnBurst:        *connBurst,
		DialRate:         *dialRate,
		DialBurst:        *dialBurst,
		MaxMessage:       *maxMessage,
		HandshakeTimeout: *handshakeTimeout,
		DialTimeout:      *dialTimeout,
		IdleTimeout:      *idleTimeout,
		WriteTimeout:     *writeTimeout,
		WAVersionSource:  *waVersionSource,
		WAVersionRefresh: *waVersionRefresh,
		MetricsPublic:    *metricsPublic,

		StaticWriteTimeout:     *staticWriteTimeout,
		StaticMinRate:          *staticMinRate,
		MaxLargeDownloads:      *maxLargeDownloads,
		MaxLargeDownloadsPerIP: *maxLargeDownloadsPerIP,
	}, log)
	if err := errors.Join(append(zeros, rootsErr, err)...); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		// New has started the version lookup; stop it.
		return errors.Join(err, srv.Shutdown(context.Background()))
	}
	serveErr := make(chan error, 2)
	go func() { serveErr <- srv.Serve(ln) }()
	var metricsSrv *http.Server
	if *metricsListen != "" {
		mln, err := net.Listen("tcp", *metricsListen)
		if err != nil {
			return errors.Join(err, srv.Shutdown(context.Background()))
		}
		metricsSrv = &http.Server{Handler: srv.Metrics(), ReadHeaderTimeout: *handshakeTimeout,
			WriteTimeout: *staticWriteTimeout, IdleTimeout: *idleTimeout, MaxHeaderBytes: 16 << 10}
		go func() { serveErr <- metricsSrv.Serve(mln) }()
		log.Info("metrics listening", "url", "http://"+displayAddr(mln.Addr())+"/metrics")
	}
	log.Info("proxy listening", "url", "http://"+displayAddr(ln.Addr()), "upstream", *upstream, "dist", *dist,
		"wa_version_source", *waVersionSource)
	if *metricsListen == "" && !*metricsPublic {
		log.Info("metrics are not served: set -metrics-listen to a private address, or -metrics-public")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case err := <-serveErr:
		return errors.Join(err, srv.Shutdown(context.Background()))
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	if metricsSrv != nil {
		err = errors.Join(err, metricsSrv.Shutdown(shutdownCtx))
	}
	if err == nil {
		log.Info("stopped cleanly")
	}
	return err
}

// readRoots reads the PEM certificates in path.
func readRoots(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-upstream-ca: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("-upstream-ca %s: no PEM certificate in it", path)
	}
	return roots, nil
}

// displayAddr turns a wildcard listen address into one a person can open.
func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return fmt.Sprintf("localhost:%d", tcp.Port)
}
