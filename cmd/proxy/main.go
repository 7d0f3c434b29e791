// Command proxy serves the waprivacy static site and relays the browser's
// WebSocket to WhatsApp (or, for tests and demos, to the emulator).
//
// Every flag can also be set through the environment variable named in its
// help text; a flag given on the command line wins.
package main

import (
	"context"
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
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	str := func(name, env, def, usage string) *string {
		if v, ok := os.LookupEnv(env); ok {
			def = v
		}
		return fs.String(name, def, usage+" ($"+env+")")
	}
	listen := str("listen", "WAPRIVACY_LISTEN", ":8080", "address to listen on")
	dist := str("dist", "WAPRIVACY_DIST", "dist", "directory of the built static site")
	upstream := str("upstream", "WAPRIVACY_UPSTREAM", proxy.DefaultUpstream, "WebSocket URL the relay connects to")
	upstreamOrigin := str("upstream-origin", "WAPRIVACY_UPSTREAM_ORIGIN", proxy.DefaultUpstreamOrigin, "Origin header sent upstream")
	origins := str("allowed-origins", "WAPRIVACY_ALLOWED_ORIGINS", "", "comma-separated page origins allowed to use the relay besides the proxy's own, e.g. https://app.example.com,http://localhost:*")
	ancestors := str("frame-ancestors", "WAPRIVACY_FRAME_ANCESTORS", "", "comma-separated origins allowed to embed the app in a frame")
	logFormat := str("log-format", "WAPRIVACY_LOG_FORMAT", "text", "log format: text or json")
	if err := fs.Parse(args); err != nil {
		return err
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
		Dist:           *dist,
		Upstream:       *upstream,
		UpstreamOrigin: *upstreamOrigin,
		AllowedOrigins: proxy.SplitList(*origins),
		FrameAncestors: proxy.SplitList(*ancestors),
	}, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	httpSrv := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpSrv.Serve(ln) }()
	log.Info("proxy listening", "url", "http://"+displayAddr(ln.Addr()), "upstream", *upstream, "dist", *dist)

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = errors.Join(httpSrv.Shutdown(shutdownCtx), srv.Shutdown(shutdownCtx))
	if err == nil {
		log.Info("stopped cleanly")
	}
	return err
}

// displayAddr turns a wildcard listen address into one a person can open.
func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return fmt.Sprintf("localhost:%d", tcp.Port)
}
