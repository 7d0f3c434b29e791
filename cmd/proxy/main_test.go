package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestEnvironmentSetsDefaultsAndFlagsWin(t *testing.T) {
	t.Setenv("WAPRIVACY_MAX_CONNS", "7")
	t.Setenv("WAPRIVACY_IDLE_TIMEOUT", "2m")
	t.Setenv("WAPRIVACY_CONN_RATE", "0.5")
	f := &envFlags{fs: flag.NewFlagSet("test", flag.ContinueOnError)}
	maxConns := f.Int("max-conns", "WAPRIVACY_MAX_CONNS", 1, "")
	idle := f.Duration("idle-timeout", "WAPRIVACY_IDLE_TIMEOUT", time.Second, "")
	rate := f.Float("conn-rate", "WAPRIVACY_CONN_RATE", 1, "")
	msg := f.Int64("max-message", "WAPRIVACY_MAX_MESSAGE", 42, "")
	t.Setenv("WAPRIVACY_METRICS_PUBLIC", "true")
	public := f.Bool("metrics-public", "WAPRIVACY_METRICS_PUBLIC", false, "")
	if err := f.Parse([]string{"-max-conns", "9"}); err != nil {
		t.Fatal(err)
	}
	if *maxConns != 9 || *idle != 2*time.Minute || *rate != 0.5 || *msg != 42 || !*public {
		t.Fatalf("got max-conns %d, idle %v, rate %v, max-message %d, metrics-public %v; want 9 (flag), 2m, 0.5 and true (environment), 42 (default)",
			*maxConns, *idle, *rate, *msg, *public)
	}
}

func TestBadEnvironmentIsReportedAllAtOnce(t *testing.T) {
	t.Setenv("WAPRIVACY_MAX_CONNS", "lots")
	t.Setenv("WAPRIVACY_IDLE_TIMEOUT", "3")
	f := &envFlags{fs: flag.NewFlagSet("test", flag.ContinueOnError)}
	f.Int("max-conns", "WAPRIVACY_MAX_CONNS", 1, "")
	f.Duration("idle-timeout", "WAPRIVACY_IDLE_TIMEOUT", time.Second, "")
	err := f.Parse(nil)
	if err == nil || !strings.Contains(err.Error(), `$WAPRIVACY_MAX_CONNS="lots"`) || !strings.Contains(err.Error(), `$WAPRIVACY_IDLE_TIMEOUT="3"`) {
		t.Fatalf("got %v, want both bad variables named", err)
	}
}

func TestRunRejectsBadSettingsAllAtOnce(t *testing.T) {
	err := run([]string{"-dist", t.TempDir(), "-max-conns", "0", "-idle-timeout", "0s", "-conn-rate", "-1", "-trusted-proxies", "lb.example",
		"-dial-rate", "0", "-max-conns-per-48", "0", "-allowed-origins", "https://app*.example.com,http://[::1]:8080", "-frame-ancestors", "http://[::1]:8081"})
	if err == nil {
		t.Fatal("run accepted bad settings")
	}
	for _, want := range []string{"-max-conns 0", "-idle-timeout 0", "connection rate -1", `"lb.example"`, "-dial-rate 0", "-max-conns-per-48 0",
		`allowed origins: "https://app*.example.com"`, `frame ancestors: "http://[::1]:8081"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestRunRejectsBadWAVersionSettings(t *testing.T) {
	err := run([]string{"-dist", t.TempDir(), "-wa-version-source", "ftp://web.whatsapp.com/", "-wa-version-refresh", "30s"})
	if err == nil {
		t.Fatal("run accepted bad settings")
	}
	for _, want := range []string{`version source "ftp://web.whatsapp.com/"`, "version refresh 30s: must be longer than 1m0s"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	err = run([]string{"-dist", t.TempDir(), "-wa-version-refresh", "0"})
	if err == nil || !strings.Contains(err.Error(), "-wa-version-refresh 0: must be positive") {
		t.Errorf("a zero refresh: got %v, want it refused by name", err)
	}
}

// An operator turns the lookup off with an empty variable, not only with
// an empty flag.
func TestEmptyEnvironmentTurnsTheVersionLookupOff(t *testing.T) {
	t.Setenv("WAPRIVACY_WA_VERSION_SOURCE", "")
	f := &envFlags{fs: flag.NewFlagSet("test", flag.ContinueOnError)}
	source := f.String("wa-version-source", "WAPRIVACY_WA_VERSION_SOURCE", "https://web.whatsapp.com/", "")
	if err := f.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if *source != "" {
		t.Fatalf("source %q, want empty", *source)
	}
}

func TestUsageNamesEveryVariable(t *testing.T) {
	f := &envFlags{fs: flag.NewFlagSet("test", flag.ContinueOnError)}
	f.String("listen", "WAPRIVACY_LISTEN", ":8080", "address to listen on")
	var usage strings.Builder
	f.fs.SetOutput(&usage)
	f.fs.PrintDefaults()
	if !strings.Contains(usage.String(), "$WAPRIVACY_LISTEN") {
		t.Fatalf("usage does not name the variable:\n%s", usage.String())
	}
}

func TestRunRejectsAnUnusableUpstreamCA(t *testing.T) {
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ file, want string }{
		{filepath.Join(t.TempDir(), "missing.pem"), "-upstream-ca: open "},
		{notPEM, "-upstream-ca " + notPEM + ": no PEM certificate in it"},
	} {
		// -max-conns 0 makes run return whatever it thinks of the file.
		err := run([]string{"-dist", t.TempDir(), "-upstream", "wss://127.0.0.1:1/ws/chat", "-upstream-ca", tc.file, "-max-conns", "0"})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("-upstream-ca %s: got %v, want %q", tc.file, err, tc.want)
		}
	}
}
