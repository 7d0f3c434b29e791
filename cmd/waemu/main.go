// Command waemu runs the emulated WhatsApp server: the multi-device protocol
// at /ws/chat, the control API under /control/ and the phone page at /phone.
//
//	go run ./cmd/waemu -listen 127.0.0.1:7400 [-state FILE]
//	    [-min-client-version 2.3000.N] [-current-client-version N]
//
// GET / publishes the current WhatsApp Web version the way web.whatsapp.com
// does, for whatsmeow.GetLatestVersion.
//
// When it is ready it prints one line to stdout, "waemu listening on
// http://ADDR"; logs go to stderr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:7400", "address to listen on")
	state := flag.String("state", "", "file that keeps accounts across restarts (default: memory only)")
	verbose := flag.Bool("v", false, "also log each connection and ignored stanza")
	minVersion := flag.String("min-client-version", "", "refuse logins and pairings of clients older than `version` 2.3000.N with failure 405 (default: none)")
	curVersion := flag.String("current-client-version", "", "the WhatsApp Web `version` (2.3000.N or N) GET / publishes (default: this build's whatsmeow's)")
	flag.Parse()
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := emulator.Options{StatePath: *state, Logger: log, MinClientVersion: *minVersion, CurrentClientVersion: *curVersion}
	if err := run(ctx, *listen, opts, os.Stdout); err != nil {
		log.Error("waemu failed", "err", err)
		os.Exit(1)
	}
}

// run serves until ctx ends, writing the ready line to ready once listening.
func run(ctx context.Context, listen string, opts emulator.Options, ready io.Writer) error {
	log := opts.Logger
	srv, err := emulator.New(opts)
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(ready, "waemu listening on http://%s\n", ln.Addr())

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
