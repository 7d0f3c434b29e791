package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func get(t *testing.T, url string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	// The transport must not add or undo encodings on its own.
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestStaticEncodingNegotiation(t *testing.T) {
	ts, _ := newTestProxy(t, Config{})
	for _, tc := range []struct {
		path, accept, wantEncoding, wantBody string
	}{
		{"/web/app.wasm", "gzip, deflate, br, zstd", "br", "brotli bytes"},
		{"/web/app.wasm", "gzip", "gzip", "gzip bytes"},
		{"/web/app.wasm", "br;q=0, gzip;q=0.5", "gzip", "gzip bytes"},
		{"/web/app.wasm", "*", "br", "brotli bytes"},
		{"/web/app.wasm", "*;q=0", "", "\x00asm identity bytes"},
		{"/web/app.wasm", "", "", "\x00asm identity bytes"},
		{"/web/app.wasm", "identity", "", "\x00asm identity bytes"},
		{"/web/style.css", "br, gzip", "gzip", "gzipped css"},
		{"/web/style.css", "br", "", "body{}"},
	} {
		resp, body := get(t, ts.URL+tc.path, map[string]string{"Accept-Encoding": tc.accept})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s with %q: status %d", tc.path, tc.accept, resp.StatusCode)
		}
		if got := resp.Header.Get("Content-Encoding"); got != tc.wantEncoding {
			t.Errorf("%s with %q: Content-Encoding %q, want %q", tc.path, tc.accept, got, tc.wantEncoding)
		}
		if body != tc.wantBody {
			t.Errorf("%s with %q: body %q, want %q", tc.path, tc.accept, body, tc.wantBody)
		}
		if got := resp.Header.Get("Vary"); got != "Accept-Encoding" {
			t.Errorf("%s: Vary %q", tc.path, got)
		}
	}
}

func TestStaticWasmHeaders(t *testing.T) {
	ts, _ := newTestProxy(t, Config{})
	resp, body := get(t, ts.URL+"/web/app.wasm", map[string]string{"Accept-Encoding": "br"})
	for header, want := range map[string]string{
		"Content-Type":           "application/wasm",
		"Cache-Control":          "no-cache",
		"Content-Length":         "12", // the brotli variant's own size
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
	} {
		if got := resp.Header.Get(header); got != want {
			t.Errorf("%s: %q, want %q", header, got, want)
		}
	}
	if body != "brotli bytes" {
		t.Fatalf("body %q", body)
	}
	etag := resp.Header.Get("ETag")
	if etag == "" || resp.Header.Get("Last-Modified") == "" {
		t.Fatalf("missing validators: ETag %q, Last-Modified %q", etag, resp.Header.Get("Last-Modified"))
	}

	// The same validator revalidates to 304; another variant has its own.
	resp, _ = get(t, ts.URL+"/web/app.wasm", map[string]string{"Accept-Encoding": "br", "If-None-Match": etag})
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the current ETag: status %d, want 304", resp.StatusCode)
	}
	resp, _ = get(t, ts.URL+"/web/app.wasm", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": etag})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == etag {
		t.Errorf("gzip variant: status %d, ETag %q must differ from the brotli one", resp.StatusCode, resp.Header.Get("ETag"))
	}
}

func TestStaticFallbackAndNotFound(t *testing.T) {
	ts, _ := newTestProxy(t, Config{})
	for _, tc := range []struct {
		path       string
		wantStatus int
		wantBody   string
	}{
		{"/", 200, testSite["index.html"]},
		{"/privacy/last-seen", 200, testSite["index.html"]}, // a client-side route
		{"/embed", 200, testSite["embed.html"]},             // a generated page
		{"/missing.png", 404, ""},
		{"/web/missing.js", 404, ""},
		{"/app.js", 200, testSite["app.js"]},
	} {
		resp, body := get(t, ts.URL+tc.path, nil)
		if resp.StatusCode != tc.wantStatus {
			t.Errorf("%s: status %d, want %d", tc.path, resp.StatusCode, tc.wantStatus)
			continue
		}
		if tc.wantStatus == 200 && body != tc.wantBody {
			t.Errorf("%s: body %q, want %q", tc.path, body, tc.wantBody)
		}
		if tc.wantStatus == 200 && strings.HasSuffix(tc.wantBody, "</title>") &&
			resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", tc.path, resp.Header.Get("Content-Type"))
		}
	}
}

func TestStaticNeverLeavesTheSite(t *testing.T) {
	site, err := newStaticSite(writeSite(t), Config{}.withDefaults(), clientIPs{})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	// Requests built by hand: a client would clean these paths, and the mux
	// redirects unclean ones, but the site must hold on its own.
	for _, p := range []string{"/../proxy_test.go", "/web/../../static.go", "/..%2fstatic.go", "/../../../../etc/hostname"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.URL.Path = p
		site.ServeHTTP(rec, req)
		if body := rec.Body.String(); rec.Code == http.StatusOK && body != testSite["index.html"] {
			t.Errorf("%s served %q from outside the site", p, body)
		}
	}
}

func TestStaticRefusesWrites(t *testing.T) {
	ts, _ := newTestProxy(t, Config{})
	resp, err := http.Post(ts.URL+"/index.html", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Fatalf("POST: status %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestSecurityHeadersFrameAncestors(t *testing.T) {
	ts, _ := newTestProxy(t, Config{FrameAncestors: []string{"https://shop.example", "http://localhost:*"}})
	resp, _ := get(t, ts.URL+"/", nil)
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{
		"frame-ancestors 'self' https://shop.example http://localhost:*",
		"script-src 'self' 'wasm-unsafe-eval'",
		"default-src 'self'",
	} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "'unsafe-eval'") {
		t.Errorf("CSP allows eval: %q", csp)
	}
}

func TestAcceptsEncoding(t *testing.T) {
	for _, tc := range []struct {
		header, coding string
		want           bool
	}{
		{"br", "br", true},
		{"BR", "br", true},
		{"gzip, br;q=0", "br", false},
		{"gzip;q=0.001", "gzip", true},
		{"*;q=0.5", "br", true},
		{"*, br;q=0", "br", false},
		{"deflate", "gzip", false},
		{"", "gzip", false},
		{"br;q=nonsense", "br", true},
	} {
		if got := acceptsEncoding(tc.header, tc.coding); got != tc.want {
			t.Errorf("acceptsEncoding(%q, %q) = %v, want %v", tc.header, tc.coding, got, tc.want)
		}
	}
}

func TestEmbedAllowed(t *testing.T) {
	ts, _ := newTestProxy(t, Config{FrameAncestors: []string{"https://shop.example", "http://localhost:*"}})
	host := strings.TrimPrefix(ts.URL, "http://")
	for origin, want := range map[string]string{
		"https://shop.example":  `{"allowed":true}`,
		"http://localhost:5173": `{"allowed":true}`,
		"http://" + host:        `{"allowed":true}`, // the app itself
		"https://evil.example":  `{"allowed":false}`,
	} {
		resp, body := get(t, ts.URL+"/embed/allowed?origin="+url.QueryEscape(origin), nil)
		if resp.StatusCode != 200 || strings.TrimSpace(body) != want {
			t.Errorf("%s: %d %s, want %s", origin, resp.StatusCode, body, want)
		}
	}
	if resp, _ := get(t, ts.URL+"/embed/allowed?origin=javascript:alert(1)", nil); resp.StatusCode != 400 {
		t.Errorf("a malformed origin: %d, want 400", resp.StatusCode)
	}
}
