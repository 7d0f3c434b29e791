package proxy

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestConfigDefaults(t *testing.T) {
	c := Config{}.withDefaults()
	if c.Upstream != DefaultUpstream || c.MaxConns != DefaultMaxConns || c.MaxConnsPerIP != DefaultMaxConnsPerIP ||
		c.ConnRate != DefaultConnRate || c.ConnBurst != DefaultConnBurst || c.MaxMessage != maxWhatsAppMessage ||
		c.MaxConnsPer56 != DefaultMaxConnsPer56 || c.MaxConnsPer48 != DefaultMaxConnsPer48 ||
		c.DialRate != DefaultDialRate || c.DialBurst != DefaultDialBurst ||
		c.HandshakeTimeout != DefaultHandshakeTimeout || c.DialTimeout != DefaultDialTimeout ||
		c.IdleTimeout != DefaultIdleTimeout || c.WriteTimeout != DefaultWriteTimeout ||
		c.WAVersionSource != "" || c.WAVersionRefresh != DefaultWAVersionRefresh {
		t.Fatalf("defaults not applied: %+v", c)
	}
	if c.IdleTimeout < 4*whatsmeowKeepalive {
		t.Errorf("default idle timeout %v is not well above whatsmeow's %v keepalive", c.IdleTimeout, whatsmeowKeepalive)
	}
	c.Dist = "dist"
	if err := c.validate(); err != nil {
		t.Fatalf("the defaults do not validate: %v", err)
	}
}

func TestConfigRejectsNonFiniteRates(t *testing.T) {
	for _, rate := range []float64{math.NaN(), math.Inf(1), -0.5} {
		c := Config{Dist: "dist", ConnRate: rate}.withDefaults()
		if err := c.validate(); err == nil || !strings.Contains(err.Error(), "connection rate") {
			t.Errorf("rate %v: got %v, want a connection rate error", rate, err)
		}
		c = Config{Dist: "dist", DialRate: rate}.withDefaults()
		if err := c.validate(); err == nil || !strings.Contains(err.Error(), "dial rate") {
			t.Errorf("dial rate %v: got %v, want a dial rate error", rate, err)
		}
	}
}

// FuzzConfig checks that validation never panics and that what it accepts
// New can use: New trusts validate and ignores the parse errors it checked.
func FuzzConfig(f *testing.F) {
	f.Add("ws://127.0.0.1:1/ws", "https://web.whatsapp.com", "https://a.example,http://localhost:*", "", "10.0.0.0/8", 10, 2, 1.5, 3, int64(1<<20), int64(time.Second))
	f.Add("wss://x", "null", "*", "https://*:1", "::1,bad", -1, 0, math.NaN(), 0, int64(5), int64(-1))
	f.Fuzz(func(t *testing.T, upstream, upstreamOrigin, allowed, ancestors, trusted string,
		maxConns, perIP int, rate float64, burst int, maxMessage, timeout int64) {
		c := Config{
			Dist: "dist", Upstream: upstream, UpstreamOrigin: upstreamOrigin,
			AllowedOrigins: SplitList(allowed), FrameAncestors: SplitList(ancestors), TrustedProxies: SplitList(trusted),
			MaxConns: maxConns, MaxConnsPerIP: perIP, ConnRate: rate, ConnBurst: burst, MaxMessage: maxMessage,
			HandshakeTimeout: time.Duration(timeout), DialTimeout: time.Duration(timeout),
			IdleTimeout: time.Duration(timeout), WriteTimeout: time.Duration(timeout),
		}.withDefaults()
		if err := c.validate(); err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		if _, err := newOriginPolicy(c.AllowedOrigins); err != nil {
			t.Fatalf("validate passed allowed origins that do not parse: %v", err)
		}
		if _, err := newOriginPolicy(c.FrameAncestors); err != nil {
			t.Fatalf("validate passed frame ancestors that do not parse: %v", err)
		}
		if _, err := parseTrustedProxies(c.TrustedProxies); err != nil {
			t.Fatalf("validate passed trusted proxies that do not parse: %v", err)
		}
		if c.MaxConns <= 0 || c.MaxConnsPerIP <= 0 || !(c.ConnRate > 0) || c.ConnBurst <= 0 || c.IdleTimeout <= 0 || c.WriteTimeout <= 0 {
			t.Fatalf("validate passed a limit the relay cannot use: %+v", c)
		}
		// The admission sweep period must be computable.
		a := newAdmission(c)
		a.admit(clientKey(parseHostAddr("192.0.2.1")), time.Now())
	})
}

func TestConfigChecksWAVersionSettings(t *testing.T) {
	for _, tc := range []struct {
		source  string
		refresh time.Duration
		err     string // empty: valid
	}{
		{"", 0, ""},
		{DefaultWAVersionSource, 0, ""},
		{"http://127.0.0.1:7400/", 61 * time.Second, ""},
		{"https://web.whatsapp.com/?lang=en", 24 * time.Hour, ""},
		{"ftp://web.whatsapp.com/", 0, `version source "ftp://web.whatsapp.com/": want an http:// or https:// URL`},
		{"web.whatsapp.com", 0, `version source "web.whatsapp.com"`},
		{"https://", 0, `version source "https://"`},
		{"wss://web.whatsapp.com/ws/chat", 0, `version source "wss://`},
		{"http://[::1", 0, `version source "http://[::1"`},
		{DefaultWAVersionSource, time.Minute, "version refresh 1m0s: must be longer than 1m0s"},
		{DefaultWAVersionSource, 30 * time.Second, "version refresh 30s"},
		{DefaultWAVersionSource, -time.Hour, "version refresh -1h0m0s"},
		// An empty source still has its refresh checked: a typo should
		// not wait until the source is set to show.
		{"", time.Second, "version refresh 1s"},
	} {
		c := Config{Dist: "dist", WAVersionSource: tc.source, WAVersionRefresh: tc.refresh}.withDefaults()
		err := c.validate()
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q, %v: %v", tc.source, tc.refresh, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q, %v: got %v, want an error with %q", tc.source, tc.refresh, err, tc.err)
		}
	}
}

func TestSplitList(t *testing.T) {
	if got := SplitList(" a, b ,,c d "); strings.Join(got, "|") != "a|b|c|d" {
		t.Fatalf("SplitList = %q", got)
	}
}
