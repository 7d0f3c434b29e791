package proxy

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestClientIPs(t *testing.T) {
	trusted, err := parseTrustedProxies([]string{"10.0.0.0/8", "192.0.2.10", "::1", "2001:db8::/32"})
	if err != nil {
		t.Fatal(err)
	}
	ips := clientIPs{trusted: trusted}
	for _, tc := range []struct {
		remote string
		xff    []string
		want   string
	}{
		{"203.0.113.5:1234", nil, "203.0.113.5"},
		{"203.0.113.5:1234", []string{"198.51.100.1"}, "203.0.113.5"}, // untrusted peer: header ignored
		{"10.1.2.3:80", []string{"198.51.100.1"}, "198.51.100.1"},
		{"10.1.2.3:80", []string{"spoofed, 198.51.100.1, 10.9.9.9"}, "198.51.100.1"},      // rightmost untrusted
		{"10.1.2.3:80", []string{"198.51.100.1", "10.9.9.9, 192.0.2.10"}, "198.51.100.1"}, // several header lines
		{"10.1.2.3:80", []string{"10.2.2.2"}, "10.2.2.2"},                                 // all trusted: the farthest
		{"10.1.2.3:80", []string{"198.51.100.1, garbage"}, "10.1.2.3"},                    // a bad entry stops at the last trusted hop
		{"10.1.2.3:80", []string{"198.51.100.1:5555"}, "198.51.100.1"},
		{"10.1.2.3:80", []string{"[2001:db9::1]:443"}, "2001:db9::1"},
		{"10.1.2.3:80", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
		{"10.1.2.3:80", []string{""}, "10.1.2.3"},
		{"[::1]:80", []string{"2001:db8::5, 2001:db9::7"}, "2001:db9::7"},
		{"[::ffff:10.1.2.3]:80", []string{"198.51.100.1"}, "198.51.100.1"},
		{"@", []string{"198.51.100.1"}, "invalid IP"}, // a Unix socket peer is not a trusted proxy
	} {
		r := httptest.NewRequest("GET", "/ws", nil)
		r.RemoteAddr = tc.remote
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := ips.of(r).String(); got != tc.want {
			t.Errorf("peer %s, X-Forwarded-For %q: got %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}

func TestParseTrustedProxiesReportsEveryBadEntry(t *testing.T) {
	_, err := parseTrustedProxies([]string{"10.0.0.0/8", "10.0.0.0/33", "lb.example", "::ffff:10.0.0.0/104", "fe80::1%eth0/64"})
	if err == nil {
		t.Fatal("bad entries accepted")
	}
	for _, bad := range []string{"10.0.0.0/33", "lb.example", "::ffff:10.0.0.0/104", "fe80::1%eth0/64"} {
		if !strings.Contains(err.Error(), bad) {
			t.Errorf("error %q does not name %q", err, bad)
		}
	}
}

// FuzzClientIP checks that attribution never panics and that the answer is
// always one the request's own hops could give: the peer itself, or an
// address a trusted hop put in X-Forwarded-For.
func FuzzClientIP(f *testing.F) {
	f.Add("10.0.0.1:80", "198.51.100.1, 10.0.0.2")
	f.Add("203.0.113.9:1", "198.51.100.1")
	f.Add("[::1]:80", "[2001:db8::1]:443,::ffff:1.2.3.4")
	f.Add("10.0.0.1:80", ",,, ,")
	f.Fuzz(func(t *testing.T, remote, xff string) {
		trusted, _ := parseTrustedProxies([]string{"10.0.0.0/8", "::1"})
		ips := clientIPs{trusted: trusted}
		r := httptest.NewRequest("GET", "/ws", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", xff)
		got := ips.of(r)
		peer := parseHostAddr(remote)
		if !peer.IsValid() || !ips.isTrusted(peer) {
			if got != peer {
				t.Fatalf("untrusted peer %q: got %v, want the peer itself", remote, got)
			}
			return
		}
		if got == peer {
			return
		}
		for _, e := range strings.Split(xff, ",") {
			if parseHostAddr(strings.TrimSpace(e)) == got {
				return
			}
		}
		t.Fatalf("peer %q, X-Forwarded-For %q: got %v, which neither names", remote, xff, got)
	})
}

func FuzzParseTrustedProxies(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8", "::1", "192.0.2.1/32,2001:db8::/32", "x", "1.2.3.4/99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		prefixes, err := parseTrustedProxies(SplitList(list))
		if err != nil {
			return
		}
		for _, p := range prefixes {
			if !p.IsValid() || p != p.Masked() || p.Addr().Is4In6() {
				t.Fatalf("%q gave prefix %v, want valid, masked, IPv4 in IPv4 form", list, p)
			}
			if !(clientIPs{trusted: prefixes}).isTrusted(p.Addr()) {
				t.Fatalf("%q: %v does not contain its own address", list, p)
			}
		}
	})
}
