package proxy

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

// newTestProxy serves a test site through New with cfg, whose Dist is
// filled in.
func newTestProxy(t testing.TB, cfg Config) (*httptest.Server, *Server) {
	t.Helper()
	cfg.Dist = writeSite(t)
	srv, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		srv.Shutdown(t.Context())
	})
	return ts, srv
}

func TestNewRejectsBadConfigWithEveryProblem(t *testing.T) {
	_, err := New(Config{
		Upstream:       "http://example.com",
		UpstreamOrigin: "example.com",
		AllowedOrigins: []string{"*"},
		FrameAncestors: []string{"https://ok.example", "https://x.example/path"},
	}, slog.Default())
	if err == nil {
		t.Fatal("New accepted a bad config")
	}
	for _, want := range []string{"dist", "upstream \"http://example.com\"", "upstream origin", "allowed origins", "frame ancestors"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestNewRejectsMissingDist(t *testing.T) {
	_, err := New(Config{Dist: filepath.Join(t.TempDir(), "missing")}, slog.Default())
	if err == nil || !strings.Contains(err.Error(), "make build") {
		t.Fatalf("want an error telling to run make build, got %v", err)
	}
}
