package proxy

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestParseClientRevision(t *testing.T) {
	for _, tc := range []struct {
		page string
		want uint32
		err  string // in the error, when want is 0
	}{
		{`{"server_revision":1026131000,"client_revision":1026131876,"x":1}`, 1026131876, ""},
		{`"client_revision" : 7}`, 7, ""},
		{"\"client_revision\":\n\t1234567\n", 1234567, ""},
		{`"client_revision":4294967295]`, math.MaxUint32, ""},
		// A malformed occurrence is passed over for a later good one.
		{`"client_revision":"x", "client_revision":42,`, 42, ""},
		{`<html>no revision here</html>`, 0, "no \"client_revision\""},
		{``, 0, "no \"client_revision\""},
		{`"server_revision":1026131000,`, 0, "no \"client_revision\""},
		{`\"client_revision\":1026131876,`, 0, "no \"client_revision\""},
		{`"client_revision"=1026131876,`, 0, "colon"},
		{`"client_revision":"1026131876",`, 0, "not a number"},
		{`"client_revision":-5,`, 0, "not a number"},
		{`"client_revision":0,`, 0, "not a plausible"},
		{`"client_revision":4294967296,`, 0, "not a plausible"},
		{`"client_revision":99999999999,`, 0, "11 digits"},
		{`"client_revision":0123,`, 0, "leading zero"},
		{`"client_revision":1026.5,`, 0, "not a whole number"},
		{`"client_revision":1e9,`, 0, "not a whole number"},
		// A page cut off mid-number must not yield a shorter revision.
		{`"client_revision":10261`, 0, "ends within"},
		// The first problem is reported.
		{`"client_revision":0, "client_revision":x`, 0, "not a plausible"},
	} {
		got, err := parseClientRevision([]byte(tc.page))
		switch {
		case tc.want != 0 && (err != nil || got != tc.want):
			t.Errorf("%q: got %d, %v; want %d", tc.page, got, err, tc.want)
		case tc.want == 0 && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: got %d, %v; want an error about %q", tc.page, got, err, tc.err)
		}
	}
}

// FuzzParseClientRevision checks that the parser never panics, and that what
// it returns is a plausible revision written in the page after the key.
func FuzzParseClientRevision(f *testing.F) {
	f.Add([]byte(`{"client_revision":1026131876,}`))
	f.Add([]byte(`"client_revision":0123, "client_revision" :` + "\n9 "))
	f.Add([]byte(`"client_revision":4294967296,"client_revision":`))
	f.Add([]byte(`"client_revision""client_revision":5,`))
	f.Fuzz(func(t *testing.T, page []byte) {
		got, err := parseClientRevision(page)
		if err != nil {
			if got != 0 || err.Error() == "" {
				t.Fatalf("error %q with revision %d", err, got)
			}
			return
		}
		if got < minClientRevision {
			t.Fatalf("implausible revision %d accepted", got)
		}
		i := bytes.Index(page, []byte(revisionKey))
		if i < 0 || !bytes.Contains(page[i:], []byte(strconv.FormatUint(uint64(got), 10))) {
			t.Fatalf("revision %d is not in the page after the key: %q", got, page)
		}
	})
}

// FuzzClientRevisionInPage checks that a revision written as WhatsApp Web
// writes it is found whatever surrounds it, as long as it comes first.
func FuzzClientRevisionInPage(f *testing.F) {
	f.Add([]byte("<script>{"), uint32(1026131876), []byte("}</script>"))
	f.Add([]byte(`"client_revision`), uint32(1), []byte(`"client_revision":2,`))
	f.Add([]byte(""), uint32(0), []byte("5"))
	f.Add([]byte("0"), uint32(0), []byte(`"client_revision":1 `))
	f.Fuzz(func(t *testing.T, prefix []byte, revision uint32, suffix []byte) {
		page := fmt.Appendf(bytes.Clone(prefix), `"client_revision":%d,%s`, revision, suffix)
		if bytes.Index(page, []byte(revisionKey)) != len(prefix) {
			t.Skip("the prefix holds or completes another key")
		}
		got, err := parseClientRevision(page)
		switch {
		case revision < minClientRevision:
			// It is passed over for whatever the rest of the page
			// names, where no key can begin before the suffix.
			want, wantErr := parseClientRevision(suffix)
			if got != want || (err == nil) != (wantErr == nil) {
				t.Fatalf("revision %d in %q: got %d, %v; want what the suffix gives, %d, %v", revision, page, got, err, want, wantErr)
			}
		case err != nil || got != revision:
			t.Fatalf("got %d, %v; want %d from %q", got, err, revision, page)
		}
	})
}

func TestWAVersionBackoff(t *testing.T) {
	tm := waVersionTiming{refresh: 6 * time.Hour, minBackoff: time.Minute, maxBackoff: time.Hour}
	var got []time.Duration
	for b := time.Duration(0); len(got) < 9; {
		b = tm.nextBackoff(b)
		got = append(got, b)
	}
	want := []time.Duration{1, 2, 4, 8, 16, 32, 60, 60, 60}
	for i := range want {
		if got[i] != want[i]*time.Minute {
			t.Fatalf("backoffs %v, want %v minutes", got, want)
		}
	}
	// A failure never waits longer than a success would.
	tm.refresh = 10 * time.Minute
	if b := tm.nextBackoff(8 * time.Minute); b != 10*time.Minute {
		t.Errorf("backoff after 8m with a 10m refresh: %v, want 10m", b)
	}
	if b := tm.nextBackoff(math.MaxInt64/2 + 1); b != 10*time.Minute {
		t.Errorf("backoff after an overflowing doubling: %v, want 10m", b)
	}
}

func TestWAVersionJitter(t *testing.T) {
	const d = 6 * time.Hour
	lo, hi := d, d
	for range 1000 {
		j := jittered(d, versionJitter)
		lo, hi = min(lo, j), max(hi, j)
	}
	if lo < d*9/10 || hi > d*11/10 || hi-lo < d/10 {
		t.Errorf("jittered 6h over [%v, %v], want spread within ±10%%", lo, hi)
	}
	if j := jittered(d, 0); j != d {
		t.Errorf("no jitter changed %v to %v", d, j)
	}
}

// versionSource stands in for web.whatsapp.com: a real HTTP server whose
// answer a test changes as it goes.
type versionSource struct {
	*httptest.Server
	requests atomic.Int64

	mu      sync.Mutex
	handler http.HandlerFunc
	header  http.Header // of the last request
}

func newVersionSource(t testing.TB, h http.HandlerFunc) *versionSource {
	s := &versionSource{handler: h}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		h := s.handler
		s.header = r.Header.Clone()
		s.mu.Unlock()
		s.requests.Add(1)
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *versionSource) set(h http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handler = h
}

func (s *versionSource) lastHeader() http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.header
}

// revisionPage answers with a page that names revision the way WhatsApp
// Web's does, next to other revisions.
func revisionPage(revision string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><script>window.__SETTINGS={"server_revision":1000000001,"client_revision":%s,"hsi":"x"};</script></head><body></body></html>`, revision)
	}
}

func failingSource(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "try later", http.StatusInternalServerError)
}

// quickTiming refreshes and retries within milliseconds.
var quickTiming = waVersionTiming{
	refresh: 10 * time.Millisecond, minBackoff: 5 * time.Millisecond, maxBackoff: 20 * time.Millisecond,
	timeout: 5 * time.Second, maxPage: maxVersionPage,
}

// startTracker runs a tracker for source until the returned stop, which
// waits for it to end, is called or the test ends.
func startTracker(t testing.TB, source string, timing waVersionTiming, log *slog.Logger) (*waVersionTracker, func()) {
	t.Helper()
	tr := newWAVersionTracker(source, timing, log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tr.run(ctx)
	}()
	stop := func() {
		cancel()
		<-done
	}
	t.Cleanup(stop)
	return tr, stop
}

// versionResponse is what /wa-version answers.
type versionResponse struct {
	status int
	header http.Header
	body   map[string]string
}

func askVersion(t testing.TB, h http.Handler) versionResponse {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/wa-version", nil))
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("/wa-version answered %d with %q, not a JSON object of strings: %v", rec.Code, rec.Body, err)
	}
	return versionResponse{rec.Code, rec.Header(), body}
}

func servedVersion(t testing.TB, h http.Handler) string {
	t.Helper()
	return askVersion(t, h).body["version"]
}

func failures(tr *waVersionTracker) float64 { return testutil.ToFloat64(tr.metrics.failures) }

const failureLine = "could not fetch the WhatsApp Web version"

func TestWAVersionFirstFetch(t *testing.T) {
	checkLeaks(t)
	src := newVersionSource(t, revisionPage("1026131876"))
	var logs logBuffer
	ts, srv := newTestProxyLog(t, Config{WAVersionSource: src.URL + "/"}, logs.logger())
	before := time.Now().Add(-time.Second)
	eventually(t, "the version is learned", func() bool { return servedVersion(t, srv) != "" })

	resp, body := get(t, ts.URL+"/wa-version", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(body), &got); err != nil || len(got) != 2 || got["version"] != "2.3000.1026131876" {
		t.Fatalf("body %q (%v), want exactly version 2.3000.1026131876 and fetchedAt", body, err)
	}
	fetchedAt, err := time.Parse(time.RFC3339, got["fetchedAt"])
	if err != nil || fetchedAt.Before(before.Truncate(time.Second)) || fetchedAt.After(time.Now()) {
		t.Errorf("fetchedAt %q (%v) is not an RFC 3339 time of the fetch", got["fetchedAt"], err)
	}
	// The source was asked as a browser opening WhatsApp Web asks.
	h := src.lastHeader()
	if ua := h.Get("User-Agent"); !strings.Contains(ua, "Mozilla/5.0") || !strings.Contains(ua, "Chrome/") {
		t.Errorf("User-Agent %q is not a browser's", ua)
	}
	if h.Get("Sec-Fetch-Mode") != "navigate" || h.Get("Sec-Fetch-Dest") != "document" || !strings.Contains(h.Get("Accept"), "text/html") {
		t.Errorf("request headers %v are not a page navigation's", h)
	}
	if n := src.requests.Load(); n != 1 {
		t.Errorf("%d requests to the source, want 1 until the refresh interval", n)
	}
	if !strings.Contains(logs.String(), "learned the WhatsApp Web version") || !strings.Contains(logs.String(), "version=2.3000.1026131876") {
		t.Errorf("the first version is not logged:\n%s", logs.String())
	}
}

func TestWAVersionHeaders(t *testing.T) {
	src := newVersionSource(t, revisionPage("1234567"))
	ts, srv := newTestProxy(t, Config{WAVersionSource: src.URL})
	eventually(t, "the version is learned", func() bool { return servedVersion(t, srv) != "" })
	for _, path := range []string{"/wa-version", "/wa-version?v=1"} {
		resp, body := get(t, ts.URL+path, map[string]string{"Accept-Encoding": "gzip, br"})
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"version":"2.3000.1234567"`) {
			t.Fatalf("%s: %d %q", path, resp.StatusCode, body)
		}
		for header, want := range map[string]string{
			"Content-Type":           "application/json",
			"Cache-Control":          "no-cache",
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "no-referrer",
			"Content-Length":         strconv.Itoa(len(body)),
			"Content-Encoding":       "",
		} {
			if got := resp.Header.Get(header); got != want {
				t.Errorf("%s: %s %q, want %q", path, header, got, want)
			}
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("%s: Content-Security-Policy %q, want the site's", path, csp)
		}
	}
}

func TestWAVersionIsNotShadowedByTheSite(t *testing.T) {
	src := newVersionSource(t, revisionPage("1234567"))
	ts, srv := newTestProxy(t, Config{WAVersionSource: src.URL})
	eventually(t, "the version is learned", func() bool { return servedVersion(t, srv) != "" })
	// Files of that name in the site, and the SPA's fallback to
	// index.html for extension-less paths, do not take the route.
	for _, name := range []string{"wa-version", "wa-version.html"} {
		if err := os.WriteFile(filepath.Join(srv.site.root.Name(), name), []byte("<!doctype html>shadow"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	resp, body := get(t, ts.URL+"/wa-version", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || !strings.Contains(body, `"version"`) {
		t.Fatalf("/wa-version: %d %s %q, want the version", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	// Other paths still reach the site.
	if resp, body := get(t, ts.URL+"/wa-version/x", nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, "<title>home</title>") {
		t.Errorf("/wa-version/x: %d %q, want the app's index.html", resp.StatusCode, body)
	}
}

func TestWAVersionMethods(t *testing.T) {
	src := newVersionSource(t, revisionPage("1234567"))
	ts, srv := newTestProxy(t, Config{WAVersionSource: src.URL})
	eventually(t, "the version is learned", func() bool { return servedVersion(t, srv) != "" })
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
		req, _ := http.NewRequest(method, ts.URL+"/wa-version", strings.NewReader("{}"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: %d, Allow %q; want 405 with GET, HEAD", method, resp.StatusCode, resp.Header.Get("Allow"))
		}
		if resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("%s: the refusal lacks the security headers", method)
		}
	}
	resp, err := http.Head(ts.URL + "/wa-version")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || resp.ContentLength <= 0 {
		t.Errorf("HEAD: %d, %q, length %d; want 200 with the GET's headers", resp.StatusCode, resp.Header.Get("Content-Type"), resp.ContentLength)
	}
}

func TestWAVersionUnavailableBeforeFirstSuccess(t *testing.T) {
	checkLeaks(t)
	release := make(chan struct{})
	src := newVersionSource(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
			revisionPage("7654321")(w, r)
		case <-r.Context().Done():
		}
	})
	ts, srv := newTestProxy(t, Config{WAVersionSource: src.URL})
	eventually(t, "the first fetch starts", func() bool { return src.requests.Load() == 1 })
	resp, body := get(t, ts.URL+"/wa-version", nil)
	var got map[string]string
	json.Unmarshal([]byte(body), &got)
	if resp.StatusCode != http.StatusServiceUnavailable || len(got) != 1 || !strings.Contains(got["error"], "still learning") {
		t.Fatalf("during the first fetch: %d %q, want 503 with an error saying it is in progress", resp.StatusCode, body)
	}
	if resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Cache-Control") != "no-cache" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("the 503 lacks headers: %v", resp.Header)
	}
	close(release)
	eventually(t, "the version is served", func() bool { return servedVersion(t, srv) == "2.3000.7654321" })
}

func TestWAVersionFailuresBeforeFirstSuccess(t *testing.T) {
	checkLeaks(t)
	src := newVersionSource(t, failingSource)
	var logs logBuffer
	_, srv := newTestProxyLog(t, Config{WAVersionSource: src.URL}, logs.logger())
	eventually(t, "the first attempt fails", func() bool { return failures(srv.waVersion) == 1 })
	r := askVersion(t, srv)
	if r.status != http.StatusServiceUnavailable || !strings.Contains(r.body["error"], "could not learn") || strings.Contains(r.body["error"], src.URL) {
		t.Errorf("after a failure: %d %v, want 503 with a plain error that does not name the source", r.status, r.body)
	}
	metrics := scrape(t, srv.Metrics())
	for sample, want := range map[string]string{
		"waprivacy_wa_version_refresh_failures_total":         "1",
		"waprivacy_wa_version_client_revision":                "0",
		"waprivacy_wa_version_last_success_timestamp_seconds": "0",
	} {
		if got := metricValue(t, metrics, sample); got != want {
			t.Errorf("%s = %s, want %s", sample, got, want)
		}
	}
	eventually(t, "the failure is logged", func() bool { return strings.Contains(logs.String(), failureLine) })
	if l := logs.String(); !strings.Contains(l, "500 Internal Server Error") || !strings.Contains(l, "serving=none") || !strings.Contains(l, "retry_in=") {
		t.Errorf("the failure's log line lacks the status, what is served or the retry:\n%s", l)
	}
}

func TestWAVersionDisabled(t *testing.T) {
	checkLeaks(t)
	_, srv := newTestProxy(t, Config{})
	r := askVersion(t, srv)
	if r.status != http.StatusServiceUnavailable || !strings.Contains(r.body["error"], "not to look up") {
		t.Errorf("with no source: %d %v, want 503 saying the lookup is off", r.status, r.body)
	}
	if v := metricValue(t, scrape(t, srv.Metrics()), "waprivacy_wa_version_client_revision"); v != "0" {
		t.Errorf("client_revision = %s with no source, want 0", v)
	}
}

func TestWAVersionRefreshPicksUpNewRevision(t *testing.T) {
	src := newVersionSource(t, revisionPage("1000000"))
	var logs logBuffer
	tr, _ := startTracker(t, src.URL, quickTiming, logs.logger())
	eventually(t, "the first version", func() bool { return servedVersion(t, tr) == "2.3000.1000000" })
	first := tr.current.Load().fetchedAt
	src.set(revisionPage("1000001"))
	eventually(t, "the new version", func() bool { return servedVersion(t, tr) == "2.3000.1000001" })
	if !tr.current.Load().fetchedAt.After(first) {
		t.Error("fetchedAt did not move on with the refresh")
	}
	if !strings.Contains(logs.String(), `changed" from=2.3000.1000000 to=2.3000.1000001`) {
		t.Errorf("the change is not logged:\n%s", logs.String())
	}
	// Refreshes that find the same revision are not logged as changes.
	n := src.requests.Load()
	eventually(t, "more refreshes", func() bool { return src.requests.Load() >= n+3 })
	if c := strings.Count(logs.String(), "changed"); c != 1 {
		t.Errorf("%d changes logged, want 1:\n%s", c, logs.String())
	}
	if failures(tr) != 0 || strings.Contains(logs.String(), failureLine) {
		t.Errorf("failures counted or logged:\n%s", logs.String())
	}
}

func TestWAVersionFailedRefreshKeepsLastGood(t *testing.T) {
	src := newVersionSource(t, revisionPage("1111111"))
	var logs logBuffer
	tr, stop := startTracker(t, src.URL, quickTiming, logs.logger())
	eventually(t, "the first version", func() bool { return servedVersion(t, tr) == "2.3000.1111111" })
	good := tr.current.Load()

	for _, bad := range []http.HandlerFunc{failingSource, revisionPage("0"), revisionPage(`"soon"`)} {
		src.set(bad)
		n := failures(tr)
		eventually(t, "refreshes fail", func() bool { return failures(tr) >= n+2 })
		if r := askVersion(t, tr); r.status != http.StatusOK || r.body["version"] != "2.3000.1111111" {
			t.Fatalf("after failed refreshes: %d %v, want the last good version", r.status, r.body)
		}
		if tr.current.Load() != good {
			t.Fatal("a failed refresh replaced the last good value")
		}
	}
	src.set(revisionPage("2222222"))
	eventually(t, "the source recovers", func() bool { return servedVersion(t, tr) == "2.3000.2222222" })
	stop()
	// One line per failed attempt, each saying what is still served.
	if lines, n := strings.Count(logs.String(), failureLine), failures(tr); float64(lines) != n || n < 6 {
		t.Errorf("%d failure lines for %v failures:\n%s", lines, n, logs.String())
	}
	if !strings.Contains(logs.String(), "serving=2.3000.1111111") {
		t.Errorf("the failures do not say the last good version is still served:\n%s", logs.String())
	}
}

// TestWAVersionBadSources checks that pages that cannot give a version,
// and sources that are too slow, fail cleanly and serve no version.
func TestWAVersionBadSources(t *testing.T) {
	slowBody := func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<!doctype html><script>{"client_rev`))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		err     string // in the log line
	}{
		{"no revision", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>update your browser</html>")) }, `no \"client_revision\"`},
		{"status", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, "404 Not Found"},
		{"redirect loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/", http.StatusFound) }, "stopped after 10 redirects"},
		{"absurd revision", revisionPage("99999999999"), "11 digits"},
		{"huge page", func(w http.ResponseWriter, r *http.Request) {
			w.Write(bytes.Repeat([]byte("x"), maxVersionPage+1<<20))
		}, "in the first 4194304 bytes of a larger page"},
		{"endless page", func(w http.ResponseWriter, r *http.Request) {
			chunk := bytes.Repeat([]byte("<div></div>"), 3000)
			for {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, "larger page"},
		{"slow headers", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, "context deadline exceeded"},
		{"slow body", slowBody, "context deadline exceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkLeaks(t)
			src := newVersionSource(t, tc.handler)
			var logs logBuffer
			timing := quickTiming
			// Only the slow sources should meet the deadline; the others get
			// room to fail for their own reason on a loaded machine (a 5 MiB
			// page once took longer than 100 ms to read under -race).
			timing.timeout = 5 * time.Second
			if strings.HasPrefix(tc.name, "slow") {
				timing.timeout = 100 * time.Millisecond
			}
			timing.minBackoff, timing.maxBackoff = time.Hour, time.Hour // one attempt
			tr, stop := startTracker(t, src.URL, timing, logs.logger())
			eventually(t, "the attempt fails", func() bool { return failures(tr) == 1 })
			stop()
			if r := askVersion(t, tr); r.status != http.StatusServiceUnavailable || r.body["error"] == "" {
				t.Errorf("after the failure: %d %v, want 503 with an error", r.status, r.body)
			}
			l := logs.String()
			if strings.Count(l, failureLine) != 1 || !strings.Contains(l, tc.err) {
				t.Errorf("want one failure line mentioning %q:\n%s", tc.err, l)
			}
		})
	}
}

func TestWAVersionLargePagesAndGzip(t *testing.T) {
	// A revision early in a page larger than the limit is still read.
	src := newVersionSource(t, func(w http.ResponseWriter, r *http.Request) {
		revisionPage("3333333")(w, r)
		w.Write(bytes.Repeat([]byte(" "), maxVersionPage))
	})
	tr, _ := startTracker(t, src.URL, quickTiming, discardLog)
	eventually(t, "the version", func() bool { return servedVersion(t, tr) == "2.3000.3333333" })

	// A gzipped page is decoded, and the limit applies to what it decodes
	// to: a revision past 4 MiB of zeros is not reached.
	gzipped := func(page []byte) http.HandlerFunc {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(page)
		zw.Close()
		return func(w http.ResponseWriter, r *http.Request) {
			if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
				t.Errorf("the client does not accept gzip")
			}
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(buf.Bytes())
		}
	}
	src.set(gzipped([]byte(`{"client_revision":4444444,}`)))
	eventually(t, "the gzipped version", func() bool { return servedVersion(t, tr) == "2.3000.4444444" })
	src.set(gzipped(append(make([]byte, 8<<20), `{"client_revision":5555555,}`...)))
	n := failures(tr)
	eventually(t, "the bomb fails", func() bool { return failures(tr) > n })
	if v := servedVersion(t, tr); v != "2.3000.4444444" {
		t.Errorf("served %q, want the last good version", v)
	}
}

func TestWAVersionShutdownCancelsAFetch(t *testing.T) {
	checkLeaks(t)
	src := newVersionSource(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	var logs logBuffer
	cfg := Config{Dist: writeSite(t), WAVersionSource: src.URL}
	srv, err := New(cfg, logs.logger())
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the fetch starts", func() bool { return src.requests.Load() == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("shutdown waited %v for the fetch", d)
	}
	if strings.Contains(logs.String(), failureLine) {
		t.Errorf("shutting down was logged as a failure:\n%s", logs.String())
	}
}

func TestWAVersionMetrics(t *testing.T) {
	src := newVersionSource(t, revisionPage("1026131876"))
	_, srv := newTestProxy(t, Config{WAVersionSource: src.URL})
	eventually(t, "the version is learned", func() bool { return servedVersion(t, srv) != "" })
	text := scrape(t, srv.Metrics())
	if got, err := strconv.ParseFloat(metricValue(t, text, "waprivacy_wa_version_client_revision"), 64); err != nil || got != 1026131876 {
		t.Errorf("client_revision = %v (%v), want 1026131876", got, err)
	}
	if got := metricValue(t, text, "waprivacy_wa_version_refresh_failures_total"); got != "0" {
		t.Errorf("refresh_failures_total = %s", got)
	}
	ts, err := strconv.ParseFloat(metricValue(t, text, "waprivacy_wa_version_last_success_timestamp_seconds"), 64)
	if err != nil || math.Abs(ts-float64(time.Now().Unix())) > 60 {
		t.Errorf("last_success_timestamp_seconds = %v (%v), want about now", ts, err)
	}
}
