package main

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	for p, want := range map[float64]time.Duration{50: 50, 99: 99, 100: 100, 0: 1} {
		if got := percentile(d, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if percentile(nil, 99) != 0 {
		t.Error("percentile of nothing is not 0")
	}
}

func TestSummaryTakesMediansOverRoundsThenSubtractsTheBaseline(t *testing.T) {
	// A round whose 100 messages all took d.
	round := func(d time.Duration) result {
		rtts := make([]time.Duration, 100)
		for i := range rtts {
			rtts[i] = d
		}
		return result{rtts: rtts}
	}
	direct, proxy := &summary{}, &summary{}
	for _, d := range []time.Duration{1, 1, 1} {
		direct.add(round(d * time.Millisecond))
	}
	// The second round was spoiled by a burst of other load: it counts
	// once, not by its 100 slow messages.
	for _, d := range []time.Duration{2, 90, 3} {
		proxy.add(round(d * time.Millisecond))
	}
	direct.finish(nil)
	proxy.finish(direct)
	if proxy.messages != 300 || proxy.p99 != 3*time.Millisecond || proxy.p50 != 3*time.Millisecond {
		t.Errorf("over %d messages: p50 %v, p99 %v; want 300 messages and the median round's 3ms", proxy.messages, proxy.p50, proxy.p99)
	}
	if proxy.added50 != 2*time.Millisecond || proxy.added99 != 2*time.Millisecond {
		t.Errorf("added p50 %v, p99 %v over a 1ms baseline; want 2ms", proxy.added50, proxy.added99)
	}
}

func TestLoadThroughAnInProcessProxy(t *testing.T) {
	var out strings.Builder
	err := runMain(context.Background(), []string{"-proxy", "inprocess", "-sessions", "4", "-rate", "40", "-duration", "300ms", "-settle", "0s"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	row := tableRow(t, out.String(), "inprocess")
	// target messages p50 p99 added-p50 added-p99 MiB/s CPU/1k failed
	if len(row) != 9 || row[1] == "0" || row[len(row)-1] != "0" {
		t.Fatalf("want messages echoed and none failed, got %q in:\n%s", row, out.String())
	}
	if tableRow(t, out.String(), "direct")[1] == "0" {
		t.Fatalf("the direct baseline echoed nothing:\n%s", out.String())
	}
}

func TestWindowedLoad(t *testing.T) {
	var out strings.Builder
	err := runMain(context.Background(), []string{"-proxy", "inprocess", "-sessions", "2", "-window", "3", "-size", "70000", "-duration", "300ms", "-settle", "0s"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if row := tableRow(t, out.String(), "inprocess"); row[1] == "0" || row[len(row)-1] != "0" {
		t.Fatalf("want 70 kB messages echoed and none failed:\n%s", out.String())
	}
}

func tableRow(t *testing.T, out, name string) []string {
	t.Helper()
	for line := range strings.Lines(out) {
		if f := strings.Fields(line); len(f) > 0 && f[0] == name {
			return f
		}
	}
	t.Fatalf("no row for %s in:\n%s", name, out)
	return nil
}

func TestBadFlagsAreReportedTogether(t *testing.T) {
	err := runMain(context.Background(), []string{"-sessions", "0", "-size", "4", "-rounds", "0"}, &strings.Builder{})
	for _, want := range []string{"-sessions 0", "-size 4", "-rounds 0"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %s", err, want)
		}
	}
	if _, err := startTarget("haproxy", upstreamRef{url: "ws://127.0.0.1:1"}, 0, ""); err == nil {
		t.Error("an unknown proxy kind was accepted")
	}
}

func TestListenURLReadsTheProxyLog(t *testing.T) {
	log := `{"level":"WARN","msg":"the idle timeout is close"}
{"level":"INFO","msg":"proxy listening","url":"http://127.0.0.1:4242","upstream":"ws://x"}
{"level":"INFO","msg":"relay session ended"}
`
	got, err := listenURL(strings.NewReader(log))
	if err != nil || got != "http://127.0.0.1:4242" {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := listenURL(strings.NewReader("proxy: dist: required\n")); err == nil || !strings.Contains(err.Error(), "dist: required") {
		t.Fatalf("a proxy that failed to start: got %v, want its log in the error", err)
	}
}

func TestNginxConfig(t *testing.T) {
	var conf strings.Builder
	if err := nginxConf.Execute(&conf, nginxSettings{Dir: "/tmp/x", Listen: "127.0.0.1:9", Upstream: "http://127.0.0.1:8/ws/chat"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"listen 127.0.0.1:9;", "proxy_pass http://127.0.0.1:8/ws/chat;", `proxy_set_header Connection "upgrade";`, "proxy_http_version 1.1;", "daemon off;"} {
		if !strings.Contains(conf.String(), want) {
			t.Errorf("config lacks %q:\n%s", want, conf.String())
		}
	}
	if strings.Contains(conf.String(), "proxy_ssl") {
		t.Errorf("TLS settings for a ws:// upstream:\n%s", conf.String())
	}
	conf.Reset()
	if err := nginxConf.Execute(&conf, nginxSettings{Dir: "/tmp/x", Listen: "127.0.0.1:9", Upstream: "https://127.0.0.1:8/ws/chat", CAFile: "/tmp/ca.pem", SSLName: "localhost"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"proxy_pass https://127.0.0.1:8/ws/chat;", "proxy_ssl_trusted_certificate /tmp/ca.pem;", "proxy_ssl_verify on;", "proxy_ssl_name localhost;"} {
		if !strings.Contains(conf.String(), want) {
			t.Errorf("config lacks %q:\n%s", want, conf.String())
		}
	}
}

func TestLoadOverTLS(t *testing.T) {
	var out strings.Builder
	err := runMain(context.Background(), []string{"-upstream-tls", "-proxy", "inprocess", "-sessions", "3", "-size", "40", "-rate", "20", "-duration", "300ms", "-settle", "0s"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if row := tableRow(t, out.String(), "inprocess"); row[1] == "0" || row[len(row)-1] != "0" {
		t.Fatalf("want pings echoed and none failed:\n%s", out.String())
	}
	// The relay's 3 sessions and the direct baseline's 3, all verified
	// against the run's CA.
	if !strings.Contains(out.String(), "echo upstream: wss://") || !strings.Contains(out.String(), "upstream TLS: 6 × TLS 1.3 ") {
		t.Fatalf("want 6 connections to a wss:// upstream over TLS 1.3:\n%s", out.String())
	}
}

// nginx is given the run's CA and checks the upstream against it: with
// another CA's certificate, it refuses to relay.
func TestNginxChecksTheUpstreamCertificate(t *testing.T) {
	if _, err := findNginx(""); err != nil {
		t.Skip(err)
	}
	upstream, err := startEchoUpstream("127.0.0.1:0", true)
	if err != nil {
		t.Fatal(err)
	}
	defer upstream.close()
	other, err := newTestCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w := workload{sessions: 1, size: 1024}
	for _, tc := range []struct {
		caFile string
		ok     bool
	}{{upstream.ca.caFile, true}, {other.caFile, false}} {
		ref := upstream.ref()
		ref.caFile = tc.caFile
		target, err := startNginx("", ref)
		if err != nil {
			t.Fatal(err)
		}
		f, _, err := openFleet(context.Background(), target, w)
		if f != nil {
			f.close()
		}
		target.stop()
		if (err == nil) != tc.ok {
			t.Errorf("nginx trusting %s: a session through it: %v, want it to work: %v", tc.caFile, err, tc.ok)
		}
	}
}

func TestCPUTimeAgreesWithGetrusage(t *testing.T) {
	usage := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			t.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	before, err := cpuTime([]int{os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	ruBefore := usage()
	for usage()-ruBefore < 200*time.Millisecond {
	}
	after, err := cpuTime([]int{os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	got, want := after-before, usage()-ruBefore
	// /proc counts in ticks, so each reading may lag by up to one.
	if d := got - want; d < -2*clockTick || d > 2*clockTick {
		t.Fatalf("cpuTime advanced %v while getrusage advanced %v", got, want)
	}
}

func TestVerdict(t *testing.T) {
	for _, tc := range []struct {
		ratio, control float64
		want           string
	}{
		{0.67, 0.95, "yes"},
		{1, 1.2, "yes"},
		{1.03, 0.96, "parity"},
		{1.03, 1.05, "parity"},
		{1.03, 1.01, "no, 3% over"},
		{1.55, 1.01, "no, 55% over"},
	} {
		if got := verdict(tc.ratio, tc.control); got != tc.want {
			t.Errorf("verdict(%v, %v) = %q, want %q", tc.ratio, tc.control, got, tc.want)
		}
	}
}
