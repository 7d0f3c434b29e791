package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/coder/websocket"
)

func scrape(t testing.TB, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics: %d", rec.Code)
	}
	return rec.Body.String()
}

// metricValue finds one sample in the exposition text.
func metricValue(t testing.TB, text, sample string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sample) + ` (\S+)$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no sample %s in:\n%s", sample, text)
	}
	return m[1]
}

func TestMetricsDescribeSessions(t *testing.T) {
	checkLeaks(t)
	up := newEchoUpstream(t)
	ts, srv := newTestProxy(t, Config{Upstream: up.wsURL(), MetricsPublic: true})
	c, _, err := dialRelay(t, ts.URL, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, make([]byte, 1000))
	text := scrape(t, srv)
	if v := metricValue(t, text, "waprivacy_relay_connections_open"); v != "1" {
		t.Errorf("connections_open = %s during a session, want 1", v)
	}
	c.Close(websocket.StatusNormalClosure, "")
	waitEnded(t, srv, endClient, 1)
	// The slot is freed last, once the session is fully accounted for.
	eventually(t, "the slot is freed", func() bool { return srv.relay.admission.openConns() == 0 })

	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text = string(body)
	for sample, want := range map[string]string{
		"waprivacy_relay_connections_open":                            "0",
		"waprivacy_relay_connections_accepted_total":                  "1",
		`waprivacy_relay_connections_refused_total{reason="origin"}`:  "0",
		`waprivacy_relay_sessions_ended_total{reason="client"}`:       "1",
		`waprivacy_relay_sessions_ended_total{reason="idle_timeout"}`: "0",
		"waprivacy_relay_upstream_dial_seconds_count":                 "1",
		"waprivacy_relay_session_duration_seconds_count":              "1",
		"waprivacy_relay_buffer_bytes":                                "0",
		// Frames are counted whole: the message with its 8-byte masked
		// header, then the close frame with a 2-byte code.
		`waprivacy_relay_bytes_total{direction="to_upstream"}`: "1016",
		// The echo with a 4-byte header, then the close reply.
		`waprivacy_relay_bytes_total{direction="to_client"}`: "1008",
	} {
		if got := metricValue(t, text, sample); got != want {
			t.Errorf("%s = %s, want %s", sample, got, want)
		}
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if !strings.Contains(text, "\n"+name+" ") {
			t.Errorf("runtime metric %s missing", name)
		}
	}
}

func TestMetricsBelongToTheirServer(t *testing.T) {
	checkLeaks(t)
	up := newEchoUpstream(t)
	a, srvA := newTestProxy(t, Config{Upstream: up.wsURL()})
	_, srvB := newTestProxy(t, Config{Upstream: up.wsURL()})
	c, _, err := dialRelay(t, a.URL, a.URL)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, []byte("x"))
	if got := metricValue(t, scrape(t, srvA.Metrics()), "waprivacy_relay_connections_accepted_total"); got != "1" {
		t.Errorf("server A accepted_total = %s, want 1", got)
	}
	if got := metricValue(t, scrape(t, srvB.Metrics()), "waprivacy_relay_connections_accepted_total"); got != "0" {
		t.Errorf("server B counted server A's session: accepted_total = %s", got)
	}
}

// The metrics say how close each limit is; only an operator who asks for
// it serves them to the world.
func TestMetricsAreNotPublicUnlessAskedFor(t *testing.T) {
	private, srv := newTestProxy(t, Config{})
	resp, body := get(t, private.URL+"/metrics", nil)
	if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "waprivacy_relay") {
		t.Errorf("/metrics on the main listener by default: %d %.80q, want 404", resp.StatusCode, body)
	}
	if !strings.Contains(scrape(t, srv.Metrics()), "waprivacy_relay_connections_open") {
		t.Error("Server.Metrics serves no metrics")
	}
	public, _ := newTestProxy(t, Config{MetricsPublic: true})
	resp, body = get(t, public.URL+"/metrics", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "waprivacy_relay_connections_open") {
		t.Errorf("/metrics with MetricsPublic: %d %.80q", resp.StatusCode, body)
	}
}

func TestLogsNeverContainPayloads(t *testing.T) {
	checkLeaks(t)
	const secret = "PAYLOAD-MARKER-7f3a"
	var logs logBuffer
	up := newEchoUpstream(t)
	ts, srv := newTestProxyLog(t, Config{Upstream: up.wsURL()}, logs.logger())
	c, _, err := dialRelay(t, ts.URL, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, []byte(secret))
	c.Close(4000, "")
	waitEnded(t, srv, endClient, 1)
	eventually(t, "the session is logged", func() bool { return strings.Contains(logs.String(), "relay session ended") })
	if strings.Contains(logs.String(), secret) {
		t.Fatalf("a payload reached the log:\n%s", logs.String())
	}
}
