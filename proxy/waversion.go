package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// WhatsApp refuses a client whose WhatsApp Web version it considers
// outdated (a 405 failure at login), and the version changes every few
// days. WhatsApp Web's own page names the current one as its
// "client_revision"; a browser cannot read that page across origins, so the
// proxy reads it and serves the version at /wa-version, and the app uses it
// instead of the one its build carries.

// WhatsApp Web versions are 2.3000.<client revision>.
const (
	waVersionMajor = 2
	waVersionMinor = 3000
)

// Bounds on one attempt to read the version source: WhatsApp Web's page is
// a few hundred KiB, and nothing legitimate takes half a minute.
const (
	maxVersionPage      = 4 << 20
	versionFetchTimeout = 30 * time.Second
)

// After a failed attempt the tracker retries after versionMinBackoff,
// doubling up to versionMaxBackoff (or the refresh interval, if shorter).
// Every wait is spread by ±versionJitter so that replicas started together
// do not fetch together.
const (
	versionMinBackoff = time.Minute
	versionMaxBackoff = time.Hour
	versionJitter     = 0.1
)

// waVersionTiming is when and how long the tracker fetches; tests shorten it.
type waVersionTiming struct {
	refresh    time.Duration // between successful fetches
	jitter     float64       // fraction each wait is spread by, either way
	minBackoff time.Duration // after the first failure in a row
	maxBackoff time.Duration // the most a failure doubles the wait to
	timeout    time.Duration // for one attempt, body included
	maxPage    int64         // bytes of the page read, at most
}

func defaultWAVersionTiming(refresh time.Duration) waVersionTiming {
	return waVersionTiming{
		refresh:    refresh,
		jitter:     versionJitter,
		minBackoff: versionMinBackoff,
		maxBackoff: versionMaxBackoff,
		timeout:    versionFetchTimeout,
		maxPage:    maxVersionPage,
	}
}

// waVersion is a client revision the tracker learned, with the response
// /wa-version gives for it.
type waVersion struct {
	revision  uint32
	fetchedAt time.Time
	body      []byte
}

func (v *waVersion) String() string { return formatWAVersion(v.revision) }

func formatWAVersion(revision uint32) string {
	return fmt.Sprintf("%d.%d.%d", waVersionMajor, waVersionMinor, revision)
}

// waVersionTracker learns WhatsApp Web's current version from a page (the
// version source), keeps it fresh in the background and serves it at
// /wa-version. Serving only reads the last good value, so it never waits
// for a fetch; a failed refresh keeps that value.
type waVersionTracker struct {
	source string // empty: never fetch
	timing waVersionTiming
	client *http.Client
	log    *slog.Logger

	current atomic.Pointer[waVersion]
	// failed is set once an attempt has failed, for the 503's wording.
	failed atomic.Bool

	metrics *waVersionMetrics
}

func newWAVersionTracker(source string, timing waVersionTiming, log *slog.Logger) *waVersionTracker {
	t := &waVersionTracker{source: source, timing: timing, client: newVersionClient(), log: log}
	t.metrics = newWAVersionMetrics(
		func() float64 {
			if v := t.current.Load(); v != nil {
				return float64(v.revision)
			}
			return 0
		},
		func() float64 {
			if v := t.current.Load(); v != nil {
				return float64(v.fetchedAt.UnixNano()) / 1e9
			}
			return 0
		},
	)
	return t
}

// newVersionClient makes the client for the version source. It makes one
// request every few hours, so it keeps no connection open in between; it
// honours $HTTPS_PROXY like the relay's dialer.
func newVersionClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableKeepAlives = true
	return &http.Client{Transport: tr}
}

// run fetches the version now and then until ctx ends: at once, then every
// refresh interval after a success, or sooner, backing off, after a
// failure.
func (t *waVersionTracker) run(ctx context.Context) {
	var backoff time.Duration // the last wait after a failure; 0 after a success
	for {
		var wait time.Duration
		if err := t.refresh(ctx); err != nil {
			if ctx.Err() != nil {
				return // shutting down; not a failure of the source
			}
			backoff = t.timing.nextBackoff(backoff)
			wait = jittered(backoff, t.timing.jitter)
			t.failed.Store(true)
			t.metrics.failures.Inc()
			serving := "none"
			if v := t.current.Load(); v != nil {
				serving = v.String()
			}
			t.log.Warn("could not fetch the WhatsApp Web version", "source", t.source, "err", err,
				"retry_in", wait.Round(time.Millisecond), "serving", serving)
		} else {
			backoff = 0
			wait = jittered(t.timing.refresh, t.timing.jitter)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
	}
}

// nextBackoff is the wait after a failure, given the previous one (0 after
// a success): minBackoff, doubling, capped at maxBackoff and at the refresh
// interval, so a failure never delays the next attempt beyond a success.
func (tm waVersionTiming) nextBackoff(prev time.Duration) time.Duration {
	limit := min(tm.maxBackoff, tm.refresh)
	next := tm.minBackoff
	if prev > 0 {
		next = prev * 2
	}
	if next > limit || next <= 0 { // <= 0: overflow
		next = limit
	}
	return next
}

// jittered spreads d uniformly over d·(1±frac).
func jittered(d time.Duration, frac float64) time.Duration {
	if frac <= 0 {
		return d
	}
	return time.Duration(float64(d) * (1 + frac*(2*rand.Float64()-1)))
}

// refresh makes one attempt and, if it succeeds, serves its result.
func (t *waVersionTracker) refresh(ctx context.Context) error {
	revision, err := t.fetch(ctx)
	if err != nil {
		return err
	}
	now := time.Now().Round(0)
	body, _ := json.Marshal(struct {
		Version   string `json:"version"`
		FetchedAt string `json:"fetchedAt"`
	}{formatWAVersion(revision), now.UTC().Format(time.RFC3339)})
	v := &waVersion{revision: revision, fetchedAt: now, body: append(body, '\n')}
	switch old := t.current.Swap(v); {
	case old == nil:
		t.log.Info("learned the WhatsApp Web version", "version", v.String(), "source", t.source)
	case old.revision != revision:
		t.log.Info("the WhatsApp Web version changed", "from", old.String(), "to", v.String(), "source", t.source)
	}
	return nil
}

// fetch reads the version source, as a browser opening WhatsApp Web would,
// and finds the client revision in it.
func (t *waVersionTracker) fetch(ctx context.Context) (uint32, error) {
	ctx, cancel := context.WithTimeout(ctx, t.timing.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.source, nil)
	if err != nil {
		return 0, err
	}
	// WhatsApp Web sends clients it does not take for a browser a page
	// without the app, so this asks like a current desktop Chrome.
	for k, v := range map[string]string{
		"User-Agent":                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/148.0.0.0 Safari/537.36",
		"Accept":                    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
		"Accept-Language":           "en-US,en;q=0.9",
		"Upgrade-Insecure-Requests": "1",
		"Sec-Fetch-Dest":            "document",
		"Sec-Fetch-Mode":            "navigate",
		"Sec-Fetch-Site":            "none",
		"Sec-Fetch-User":            "?1",
	} {
		req.Header.Set(k, v)
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("the source answered %s", resp.Status)
	}
	// The transport undoes gzip itself, so the limit applies to the page
	// as decoded.
	page, err := io.ReadAll(io.LimitReader(resp.Body, t.timing.maxPage+1))
	if err != nil {
		return 0, fmt.Errorf("reading the page: %w", err)
	}
	truncated := int64(len(page)) > t.timing.maxPage
	if truncated {
		page = page[:t.timing.maxPage]
	}
	revision, err := parseClientRevision(page)
	if err != nil && truncated {
		return 0, fmt.Errorf("%w, in the first %d bytes of a larger page", err, t.timing.maxPage)
	}
	return revision, err
}

// ServeHTTP answers GET /wa-version with {"version", "fetchedAt"}, or with
// 503 and {"error"} while the tracker knows no version, so the app falls
// back to the version it was built with.
func (t *waVersionTracker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	v := t.current.Load()
	if v == nil {
		body := t.unavailable()
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write(body)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(v.body)))
	w.Write(v.body)
}

// unavailable is the 503's body: why there is no version, for whoever
// reads the app's network log.
func (t *waVersionTracker) unavailable() []byte {
	var why string
	switch {
	case t.source == "":
		why = "this proxy is configured not to look up the WhatsApp Web version; use the version built into the app"
	case t.failed.Load():
		why = "the proxy could not learn the current WhatsApp Web version yet and keeps trying; use the version built into the app"
	default:
		why = "the proxy is still learning the current WhatsApp Web version; use the version built into the app"
	}
	body, _ := json.Marshal(map[string]string{"error": why})
	return append(body, '\n')
}

// revisionKey is how WhatsApp Web's page names its client revision, in
// a JSON object of its build's settings.
const revisionKey = `"client_revision"`

// Revisions outside these bounds are no WhatsApp Web version: whatsmeow
// keeps the revision in 32 bits, and 0 is what a broken build would say.
const (
	minClientRevision = 1
	maxClientRevision = math.MaxUint32
	maxRevisionDigits = 10 // of maxClientRevision
)

var errNoRevision = errors.New(`the page has no "client_revision" number`)

// parseClientRevision finds the first `"client_revision": <number>` in page
// whose number is a plausible revision. The number must be a whole JSON
// integer, ended by what may follow one in JSON, so that a page cut off
// mid-number, a fraction or an exponent is not read as a smaller revision.
func parseClientRevision(page []byte) (uint32, error) {
	firstErr := errNoRevision
	for {
		i := bytes.Index(page, []byte(revisionKey))
		if i < 0 {
			return 0, firstErr
		}
		page = page[i+len(revisionKey):]
		revision, err := readRevision(page)
		if err == nil {
			return revision, nil
		}
		if firstErr == errNoRevision {
			firstErr = err
		}
	}
}

// readRevision reads `: <number>` and what ends it from the start of b.
func readRevision(b []byte) (uint32, error) {
	b = skipJSONSpace(b)
	if len(b) == 0 || b[0] != ':' {
		return 0, errors.New(`"client_revision" is not followed by a colon`)
	}
	b = skipJSONSpace(b[1:])
	digits := 0
	for digits < len(b) && '0' <= b[digits] && b[digits] <= '9' {
		digits++
	}
	switch {
	case digits == 0:
		return 0, errors.New(`"client_revision" is not a number`)
	case digits > maxRevisionDigits:
		return 0, fmt.Errorf(`"client_revision" has %d digits, too many for a revision`, digits)
	case digits > 1 && b[0] == '0':
		return 0, errors.New(`"client_revision" has a leading zero`)
	case digits == len(b):
		return 0, errors.New(`the page ends within "client_revision"`)
	}
	switch b[digits] {
	case ',', '}', ']', ' ', '\t', '\r', '\n':
	default:
		return 0, fmt.Errorf(`"client_revision" %q is not a whole number`, b[:digits+1])
	}
	n, _ := strconv.ParseUint(string(b[:digits]), 10, 64) // at most maxRevisionDigits
	if n < minClientRevision || n > maxClientRevision {
		return 0, fmt.Errorf(`"client_revision" %d is not a plausible revision`, n)
	}
	return uint32(n), nil
}

func skipJSONSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	return b
}
