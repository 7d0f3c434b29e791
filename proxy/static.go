package proxy

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// contentTypes covers the site's file types whose MIME type matters and
// which the system's MIME table may lack or get wrong: instantiateStreaming
// needs application/wasm, and an installable PWA needs its manifest type.
var contentTypes = map[string]string{
	".wasm":        "application/wasm",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".html":        "text/html; charset=utf-8",
	".json":        "application/json",
	".webmanifest": "application/manifest+json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".ico":         "image/x-icon",
	".txt":         "text/plain; charset=utf-8",
}

// encodings lists the precompressed variants the build writes next to a
// file, best first: brotli is about 30% smaller than gzip for app.wasm.
var encodings = []struct{ name, suffix string }{
	{"br", ".br"},
	{"gzip", ".gz"},
}

// staticSite serves the generated site, picking a precompressed variant of
// each file when the client accepts it.
type staticSite struct {
	root *os.Root
	// writeTimeout and minRate give each response its time to be written
	// (staticWriteTime); downloads bounds those over largeDownload, per
	// client as clientIPs attributes them.
	writeTimeout time.Duration
	minRate      int64
	downloads    *downloadSlots
	clientIPs    clientIPs

	mu    sync.Mutex
	etags map[string]etagEntry // by variant path
}

// etagEntry caches a file's content hash until the file changes.
type etagEntry struct {
	size    int64
	modTime time.Time
	etag    string
}

// newStaticSite serves dir with cfg's write timeouts and download limits,
// cfg having its defaults.
func newStaticSite(dir string, cfg Config, ips clientIPs) (*staticSite, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &staticSite{
		root: root, etags: map[string]etagEntry{},
		writeTimeout: cfg.StaticWriteTimeout, minRate: cfg.StaticMinRate,
		downloads: newDownloadSlots(cfg), clientIPs: ips,
	}, nil
}

func (s *staticSite) Close() error { return s.root.Close() }

func (s *staticSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Every response has the base time; a file more for its size, below.
	// ErrNotSupported only for writers that are not connections.
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Now().Add(s.writeTimeout))
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name, ok := s.resolve(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if _, err := s.root.Stat(name); err != nil {
		http.Error(w, "cannot read file", http.StatusInternalServerError)
		return
	}

	variant, encoding := name, ""
	for _, enc := range encodings {
		if !acceptsEncoding(r.Header.Get("Accept-Encoding"), enc.name) {
			continue
		}
		if fi, err := s.root.Stat(name + enc.suffix); err == nil && fi.Mode().IsRegular() {
			variant, encoding = name+enc.suffix, enc.name
			break
		}
	}
	f, err := s.root.Open(variant)
	if err != nil {
		http.Error(w, "cannot read file", http.StatusInternalServerError)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		http.Error(w, "cannot read file", http.StatusInternalServerError)
		return
	}
	etag, err := s.etag(variant, fi, f)
	if err != nil {
		http.Error(w, "cannot read file", http.StatusInternalServerError)
		return
	}
	// A revalidation answered 304, or a HEAD, sends no body: no slot.
	if fi.Size() > largeDownload && r.Method == http.MethodGet && !etagMatches(r.Header.Get("If-None-Match"), etag) {
		client := clientKey(s.clientIPs.of(r))
		if reason, ok := s.downloads.take(client); !ok {
			refuseDownload(w, reason)
			return
		}
		defer s.downloads.release(client)
	}
	rc.SetWriteDeadline(time.Now().Add(staticWriteTime(s.writeTimeout, s.minRate, fi.Size())))

	h := w.Header()
	h.Set("Content-Type", contentType(name))
	h.Set("Vary", "Accept-Encoding")
	// Revalidate every time: the site changes as a whole with each build, and
	// a 304 for app.wasm still lets Chrome reuse its compiled-code cache.
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", etag)
	if encoding != "" {
		h.Set("Content-Encoding", encoding)
		// net/http leaves the length out for encoded bodies; a whole-file
		// response can still say it, so browsers see the download's size.
		if r.Header.Get("Range") == "" {
			h.Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
		}
	}
	http.ServeContent(w, r, name, fi.ModTime(), f)
}

// resolve maps a URL path to a regular file in the site: the file itself,
// its .html page, or, for extension-less paths (client-side routes),
// index.html.
func (s *staticSite) resolve(urlPath string) (string, bool) {
	name := strings.TrimPrefix(path.Clean("/"+urlPath), "/")
	if name == "" {
		name = "index.html"
	}
	candidates := []string{name, name + "/index.html", name + ".html"}
	if path.Ext(name) == "" {
		candidates = append(candidates, "index.html")
	}
	for _, c := range candidates {
		if fi, err := s.root.Stat(c); err == nil && fi.Mode().IsRegular() {
			return c, true
		}
	}
	return "", false
}

// etag returns a strong validator for the variant's content, hashing it once
// per change of size or modification time.
func (s *staticSite) etag(name string, fi fs.FileInfo, f io.ReadSeeker) (string, error) {
	s.mu.Lock()
	e, ok := s.etags[name]
	s.mu.Unlock()
	if ok && e.size == fi.Size() && e.modTime.Equal(fi.ModTime()) {
		return e.etag, nil
	}
	sum := sha256.New()
	if _, err := io.Copy(sum, f); err != nil {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	etag := `"` + hex.EncodeToString(sum.Sum(nil)[:16]) + `"`
	s.mu.Lock()
	s.etags[name] = etagEntry{size: fi.Size(), modTime: fi.ModTime(), etag: etag}
	s.mu.Unlock()
	return etag, nil
}

func contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// acceptsEncoding reports whether an Accept-Encoding header value accepts
// coding with a non-zero quality, directly or through "*".
func acceptsEncoding(header, coding string) bool {
	wildcard := false
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(k, "q") {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		switch {
		case strings.EqualFold(name, coding):
			return q > 0
		case name == "*":
			wildcard = q > 0
		}
	}
	return wildcard
}
