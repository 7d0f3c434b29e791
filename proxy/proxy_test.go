package proxy

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testSite is a tiny built site: pages, a wasm with both precompressed
// variants, and a stylesheet with only gzip.
var testSite = map[string]string{
	"index.html":       "<!doctype html><title>home</title>",
	"embed.html":       "<!doctype html><title>embed</title>",
	"app.js":           "console.log('app')",
	"web/app.wasm":     "\x00asm identity bytes",
	"web/app.wasm.br":  "brotli bytes",
	"web/app.wasm.gz":  "gzip bytes",
	"web/style.css":    "body{}",
	"web/style.css.gz": "gzipped css",
}

func writeSite(t testing.TB) string {
	dir := t.TempDir()
	for name, content := range testSite {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var discardLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// newTestProxy serves a test site through New with cfg, whose Dist is
// filled in, on the server's own http.Server so that its timeouts apply.
func newTestProxy(t testing.TB, cfg Config) (*httptest.Server, *Server) {
	t.Helper()
	return newTestProxyLog(t, cfg, discardLog)
}

func newTestProxyLog(t testing.TB, cfg Config, log *slog.Logger) (*httptest.Server, *Server) {
	t.Helper()
	if cfg.Dist == "" {
		cfg.Dist = writeSite(t)
	}
	srv, err := New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	ts.Config = srv.http
	ts.Start()
	t.Cleanup(func() {
		ts.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return ts, srv
}

func TestNewRejectsBadConfigWithEveryProblem(t *testing.T) {
	_, err := New(Config{
		Upstream:         "http://example.com",
		UpstreamOrigin:   "example.com",
		AllowedOrigins:   []string{"*"},
		FrameAncestors:   []string{"https://ok.example", "https://x.example/path"},
		TrustedProxies:   []string{"10.0.0.0/8", "10.0.0.1/40", "proxy.example"},
		MaxConns:         -1,
		MaxConnsPerIP:    -2,
		ConnRate:         -1,
		ConnBurst:        -1,
		MaxConnsPer56:    -3,
		MaxConnsPer48:    -4,
		DialRate:         -5,
		DialBurst:        -6,
		MaxMessage:       100,
		IdleTimeout:      -1,
		WriteTimeout:     -1,
		WAVersionSource:  "file:///etc/passwd",
		WAVersionRefresh: time.Second,
	}, discardLog)
	if err == nil {
		t.Fatal("New accepted a bad config")
	}
	for _, want := range []string{"dist", "upstream \"http://example.com\"", "upstream origin", "allowed origins", "frame ancestors",
		`"10.0.0.1/40"`, `"proxy.example"`, "max connections -1", "max connections per IP -2", "connection rate -1",
		"connection burst -1", "per IPv6 /56 -3", "per IPv6 /48 -4", "dial rate -5", "dial burst -6", "max message 100", "idle timeout -1ns", "write timeout -1ns",
		`WhatsApp Web version source "file:///etc/passwd"`, "WhatsApp Web version refresh 1s"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestNewRejectsMissingDist(t *testing.T) {
	_, err := New(Config{Dist: filepath.Join(t.TempDir(), "missing")}, discardLog)
	if err == nil || !strings.Contains(err.Error(), "make build") {
		t.Fatalf("want an error telling to run make build, got %v", err)
	}
}
