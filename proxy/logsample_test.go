package proxy

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// suppressedIn sums the counts of left-out lines that logs report.
func suppressedIn(logs string) int {
	n := 0
	for _, m := range regexp.MustCompile(`suppressed=(\d+)`).FindAllStringSubmatch(logs, -1) {
		v, _ := strconv.Atoi(m[1])
		n += v
	}
	return n
}

func TestRefusalLogIsSampled(t *testing.T) {
	var logs logBuffer
	counter := prometheus.NewCounter(prometheus.CounterOpts{Name: "x"})
	l := newRefusalLog(logs.logger(), 10, counter)
	now := time.Unix(1000, 0)
	l.now = func() time.Time { return now }
	for range 25 {
		l.refused(refusedOrigin, "detail", "d")
	}
	l.refused(refusedRate) // another reason has its own window
	if n := strings.Count(logs.String(), "msg=\"relay refused\""); n != 11 {
		t.Fatalf("%d lines, want 10 of the first reason and 1 of the other:\n%s", n, logs.String())
	}
	if v := testutil.ToFloat64(counter); v != 15 {
		t.Errorf("suppressed counter %v, want 15", v)
	}
	// The next window's first line, or the end of the window, says how
	// many were left out.
	now = now.Add(time.Second)
	for range 13 {
		l.refused(refusedOrigin)
	}
	eventually(t, "the left-out lines are reported", func() bool { return suppressedIn(logs.String()) == 15 })
	l.close()
	if got := suppressedIn(logs.String()); got != 18 {
		t.Fatalf("%d left-out lines reported after close, want 18:\n%s", got, logs.String())
	}
	if n := strings.Count(logs.String(), "reason=origin"); n > 10+10+2 {
		t.Errorf("%d lines for one reason in two windows", n)
	}
}

// A flood of refusals is counted whole but logged at a bounded rate.
func TestRefusalFloodIsCountedNotLoggedLineByLine(t *testing.T) {
	checkLeaks(t)
	var logs logBuffer
	_, srv := newTestProxyLog(t, Config{}, logs.logger())
	frozen := time.Now()
	srv.relay.refusals.now = func() time.Time { return frozen }
	const flood = 500
	for range flood {
		r := httptest.NewRequest("GET", "/ws", nil)
		r.Header.Set("Origin", "https://evil.example")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, r)
		if rec.Code != http.StatusForbidden {
			t.Fatalf("status %d, want 403", rec.Code)
		}
	}
	if n := refusedCount(srv, refusedOrigin); n != flood {
		t.Errorf("refused{origin} = %v, want %d", n, flood)
	}
	if n := strings.Count(logs.String(), `msg="relay refused"`); n != refusalLogsPerSecond {
		t.Errorf("%d refusal lines, want %d", n, refusalLogsPerSecond)
	}
	eventually(t, "the left-out lines are reported", func() bool {
		return suppressedIn(logs.String()) == flood-refusalLogsPerSecond
	})
	if !strings.Contains(logs.String(), `msg="relay refusals not logged" reason=origin`) {
		t.Errorf("no summary line:\n%s", logs.String())
	}
	if v := testutil.ToFloat64(srv.relay.metrics.refusalLogsSuppressed); v != flood-refusalLogsPerSecond {
		t.Errorf("refusal_log_lines_suppressed_total = %v, want %d", v, flood-refusalLogsPerSecond)
	}
}
