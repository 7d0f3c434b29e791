package proxy

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestOriginPolicy(t *testing.T) {
	p, err := newOriginPolicy([]string{"https://App.Example.com", "http://localhost:*", "https://*.shop.example"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		origin, host string
		want         bool
	}{
		{"https://proxy.example", "proxy.example", true}, // its own origin
		{"http://proxy.example:8080", "proxy.example:8080", true},
		{"https://app.example.com", "proxy.example", true},
		{"https://APP.example.com", "proxy.example", true},
		{"http://app.example.com", "proxy.example", false}, // wrong scheme
		{"https://app.example.com:8443", "proxy.example", false},
		{"http://localhost:5173", "proxy.example", true},
		{"http://localhost", "proxy.example", false},
		{"https://a.shop.example", "proxy.example", true},
		{"https://shop.example", "proxy.example", false},
		{"https://a.shop.example.evil", "proxy.example", false},
		{"https://evil.example", "proxy.example", false},
		{"null", "proxy.example", false},
		{"", "proxy.example", false},
		{"https://proxy.example/path", "proxy.example", false},
	} {
		r := httptest.NewRequest("GET", "/ws", nil)
		r.Host = tc.host
		if tc.origin != "" {
			r.Header.Set("Origin", tc.origin)
		}
		if err := p.check(r); (err == nil) != tc.want {
			t.Errorf("origin %q for host %q: err %v, want allowed=%v", tc.origin, tc.host, err, tc.want)
		}
	}
}

func TestOriginPatternsRejected(t *testing.T) {
	for _, bad := range []string{"*", "*:443", "https://*:443", "example.com", "https://x.example/path",
		"https://x.example?q", "ftp://x.example", "https://user@x.example", "https://x.example:port", "https://[bad"} {
		if _, err := newOriginPolicy([]string{bad}); err == nil {
			t.Errorf("pattern %q was accepted", bad)
		}
	}
}

func FuzzOriginPolicy(f *testing.F) {
	for _, s := range []string{"https://a.example", "http://localhost:*", "*", "https://*.x", "https://[::1]:80", "\x00"} {
		f.Add(s, "https://a.example")
	}
	f.Fuzz(func(t *testing.T, pattern, origin string) {
		p, err := newOriginPolicy([]string{pattern})
		if err != nil {
			return
		}
		norm, err := parseOrigin(origin)
		if err != nil {
			return
		}
		// Without a wildcard, a pattern allows exactly its own origin.
		if got := p.allows(norm, ""); !strings.Contains(pattern, "*") && got != (norm == p.patterns[0]) {
			t.Errorf("pattern %q, origin %q: allows = %v", pattern, norm, got)
		}
	})
}
