package proxy

import (
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// largeDownload is the size above which a static response takes a
// download slot: app.wasm and its variants, not the pages and scripts.
const largeDownload = 1 << 20

// downloadRetryAfter is the Retry-After, in seconds, of a refused large
// download.
const downloadRetryAfter = "5"

// Why a large download was refused, the label of its metric.
const (
	refusedMaxDownloads   = "max_large_downloads"
	refusedMaxDownloadsIP = "max_large_downloads_per_ip"
)

// downloadSlots bounds concurrent large downloads, in all and per client,
// so that clients reading slowly, or not at all, cannot take the
// machine's bandwidth and connections from everyone else.
type downloadSlots struct {
	max, perClient int
	refused        *prometheus.CounterVec

	mu       sync.Mutex
	open     int
	byClient map[netip.Prefix]int
}

func newDownloadSlots(cfg Config) *downloadSlots {
	d := &downloadSlots{
		max: cfg.MaxLargeDownloads, perClient: cfg.MaxLargeDownloadsPerIP,
		byClient: map[netip.Prefix]int{},
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "waprivacy", Subsystem: "static", Name: "large_downloads_refused_total",
			Help: "Static responses over 1 MiB refused because too many were in progress, in all or for one client.",
		}, []string{"reason"}),
	}
	for _, r := range []string{refusedMaxDownloads, refusedMaxDownloadsIP} {
		d.refused.WithLabelValues(r)
	}
	return d
}

func (d *downloadSlots) collectors() []prometheus.Collector {
	return []prometheus.Collector{
		d.refused,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "waprivacy", Subsystem: "static", Name: "large_downloads_open",
			Help: "Static responses over 1 MiB being written.",
		}, func() float64 { return float64(d.openDownloads()) }),
	}
}

// take reserves a slot for client or says why not; a successful take
// must be paired with release.
func (d *downloadSlots) take(client netip.Prefix) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	reason := ""
	switch {
	case d.open >= d.max:
		reason = refusedMaxDownloads
	case d.byClient[client] >= d.perClient:
		reason = refusedMaxDownloadsIP
	default:
		d.open++
		d.byClient[client]++
		return "", true
	}
	d.refused.WithLabelValues(reason).Inc()
	return reason, false
}

func (d *downloadSlots) release(client netip.Prefix) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.open--
	if d.byClient[client]--; d.byClient[client] == 0 {
		delete(d.byClient, client)
	}
}

func (d *downloadSlots) openDownloads() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.open
}

// refuseDownload answers a large download that got no slot.
func refuseDownload(w http.ResponseWriter, reason string) {
	status, msg := http.StatusServiceUnavailable, "too many large downloads are in progress"
	if reason == refusedMaxDownloadsIP {
		status, msg = http.StatusTooManyRequests, "too many large downloads are in progress for your address"
	}
	w.Header().Set("Retry-After", downloadRetryAfter)
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, http.StatusText(status)+": "+msg+"; retry in a few seconds", status)
}

// staticWriteTime is how long a response of size bytes has to be written:
// base for any response, plus the time its body takes at minRate bytes a
// second.
func staticWriteTime(base time.Duration, minRate, size int64) time.Duration {
	return base + time.Duration(float64(size)/float64(minRate)*float64(time.Second))
}

// withWriteDeadline gives every response of h d to be written, its last
// buffered bytes included; net/http clears the deadline once the response
// is out, before the connection's next request. The relay is never
// wrapped: its sessions are long-lived and watch their own writes.
func withWriteDeadline(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// ErrNotSupported only for writers that are not connections.
		http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d))
		h.ServeHTTP(w, r)
	})
}

// etagMatches reports whether an If-None-Match header names etag, as
// http.ServeContent's weak comparison does, so that the response will be
// a 304 and not a download.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
