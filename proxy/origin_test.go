package proxy

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestOriginPolicy(t *testing.T) {
	p, err := newOriginPolicy([]string{"https://App.Example.com", "http://localhost:*", "https://*.shop.example",
		"http://[::1]:8080", "https://pay.example:443/", "http://127.0.0.1:8081"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		origin, host string
		want         bool
	}{
		// Its own origin, whatever the scheme (a TLS terminator changes it).
		{"https://proxy.example", "proxy.example", true},
		{"http://proxy.example:8080", "proxy.example:8080", true},
		{"https://proxy.example", "proxy.example:443", true},
		{"http://proxy.example:8080", "proxy.example", false},
		{"http://[::1]:9000", "[::1]:9000", true},
		{"http://evil.example", "proxy.example", false},

		{"https://app.example.com", "proxy.example", true},
		{"https://APP.example.com", "proxy.example", true}, // hosts are case-insensitive
		{"HTTPS://app.example.com", "proxy.example", true},
		{"https://app.example.com/", "proxy.example", true},
		{"http://app.example.com", "proxy.example", false}, // an https entry never admits http
		{"https://app.example.com:8443", "proxy.example", false},
		{"https://app.example.com.evil", "proxy.example", false},

		// Default ports: https://pay.example:443 is https://pay.example.
		{"https://pay.example", "proxy.example", true},
		{"https://pay.example:443", "proxy.example", true},
		{"https://pay.example:8443", "proxy.example", false},
		{"http://pay.example", "proxy.example", false},

		// IPv6 literals are addresses, not character classes.
		{"http://[::1]:8080", "proxy.example", true},
		{"http://[0:0::1]:8080", "proxy.example", true},
		{"https://[::1]:8080", "proxy.example", true}, // CSP's secure upgrade
		{"http://[::1]:8081", "proxy.example", false},
		{"http://[::2]:8080", "proxy.example", false},
		{"http://1:8080", "proxy.example", false},
		{"http://0.0.0.1:8080", "proxy.example", false},
		{"http://127.0.0.1:8081", "proxy.example", true},
		{"http://127.0.0.1:8082", "proxy.example", false},

		// Any port; http also admits https, as in CSP.
		{"http://localhost:5173", "proxy.example", true},
		{"http://localhost", "proxy.example", true},
		{"https://localhost:5173", "proxy.example", true},
		{"http://localhost.evil.example:5173", "proxy.example", false},
		{"http://127.0.0.1:5173", "proxy.example", false},

		// *. stands for whole labels, one or more, never for none.
		{"https://a.shop.example", "proxy.example", true},
		{"https://a.b.shop.example", "proxy.example", true},
		{"https://shop.example", "proxy.example", false},
		{"https://evilshop.example", "proxy.example", false},
		{"https://a.shop.example.evil", "proxy.example", false},
		{"http://a.shop.example", "proxy.example", false},
		{"https://a.shop.example:8443", "proxy.example", false},

		{"https://evil.example", "proxy.example", false},
		{"null", "proxy.example", false},
		{"", "proxy.example", false},
		{"https://proxy.example/path", "proxy.example", false},
		{"https://user@app.example.com", "proxy.example", false},
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

// The glob the allowlist used to be: path.Match read [::1] as a character
// class and * as any run of characters.
func TestOriginEntriesAreNotGlobs(t *testing.T) {
	p, err := newOriginPolicy([]string{"http://[::1]:8080"})
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := parseOrigin("http://[::1]:8080"); !p.allows(o, "proxy.example") {
		t.Error("http://[::1]:8080 does not allow itself")
	}
	if o, err := parseOrigin("http://1:8080"); err == nil && p.allows(o, "proxy.example") {
		t.Error("http://[::1]:8080 allows http://1:8080")
	}
	if _, err := newOriginPolicy([]string{"https://app*.example.com"}); err == nil || !strings.Contains(err.Error(), `"https://app*.example.com"`) {
		t.Errorf("https://app*.example.com: got %v, want it refused by name", err)
	}
}

func TestOriginEntriesRejected(t *testing.T) {
	for bad, want := range map[string]string{
		"*":                                 "any site",
		"https://*":                         "any site",
		"http://*:*":                        "any site",
		"https://*:443":                     "any site",
		"*.example.com":                     "http:// or https://",
		"example.com":                       "http:// or https://",
		"ftp://x.example":                   "http:// or https://",
		"https://app*.example.com":          "whole leftmost DNS labels",
		"https://*app.example.com":          "whole leftmost DNS labels",
		"https://a.*.example.com":           "whole leftmost DNS labels",
		"https://*.*.example.com":           "whole leftmost DNS labels",
		"https://*.example.*":               "whole leftmost DNS labels",
		"http://[*]:80":                     "whole leftmost DNS labels",
		"https://*.com":                     "every site under .com",
		"http://localhost:80*":              "port",
		"http://localhost:*80":              "port",
		"http://localhost:":                 "port is empty",
		"https://x.example:port":            "port",
		"https://x.example:0":               "port",
		"https://x.example:65536":           "port",
		"https://*.127.0.0.1":               "not an IP address",
		"https://*.[::1]":                   "brackets",
		"http://[::1":                       "closing ]",
		"http://[::1]x":                     "nothing after",
		"http://::1:8080":                   "brackets",
		"http://[fe80::1%25eth0]":           "not an IPv6 address",
		"http://[127.0.0.1]":                "not an IPv6 address",
		"http://1:8080":                     "dotted-quad",
		"http://127.1":                      "dotted-quad",
		"http://0x7f.0.0.1":                 "dotted-quad",
		"http://256.0.0.1":                  "dotted-quad",
		"https://x.example/path":            "nothing after",
		"https://x.example//":               "nothing after",
		"https://x.example?q":               "nothing after",
		"https://x.example#f":               "nothing after",
		"https://x.example;frame-ancestors": "nothing after",
		"https://user@x.example":            "user name",
		"https://example.com.":              "empty label",
		"https://a..example":                "empty label",
		"https://exa_mple.com":              "letters, digits, hyphens",
		"https://bücher.example":            "nothing after",
		"https://":                          "host is empty",
	} {
		_, err := newOriginPolicy([]string{bad})
		if err == nil {
			t.Errorf("entry %q was accepted", bad)
			continue
		}
		if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), `"`+bad+`"`) {
			t.Errorf("entry %q: error %q, want it named and %q", bad, err, want)
		}
	}
}

func TestOriginEntriesNormalised(t *testing.T) {
	for entry, want := range map[string]string{
		"HTTPS://Shop.Example":     "https://shop.example",
		"https://shop.example/":    "https://shop.example",
		"https://shop.example:443": "https://shop.example",
		"http://shop.example:80":   "http://shop.example",
		"http://shop.example:0080": "http://shop.example",
		"http://shop.example:8080": "http://shop.example:8080",
		"https://*.Shop.Example":   "https://*.shop.example",
		"http://localhost:*":       "http://localhost:*",
		"http://*.localhost:*":     "http://*.localhost:*",
		"http://[0::1]:8080":       "http://[::1]:8080",
		"http://[::FFFF:7f00:1]":   "http://[::ffff:127.0.0.1]",
	} {
		p, err := newOriginPolicy([]string{entry})
		if err != nil {
			t.Errorf("%q: %v", entry, err)
			continue
		}
		if got := p.cspSources(); got != want {
			t.Errorf("%q renders as %q, want %q", entry, got, want)
		}
	}
}

func TestOriginPolicyReportsEveryBadEntry(t *testing.T) {
	_, err := newOriginPolicy([]string{"https://ok.example", "https://a*.example", "http://[::1", "https://ok2.example:99999"})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{`"https://a*.example"`, `"http://[::1"`, `"https://ok2.example:99999"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if strings.Contains(err.Error(), `"https://ok.example"`) {
		t.Errorf("error %q names a good entry", err)
	}
}

// CSP has no IPv6 literals, so a frame ancestor naming one would be in
// /embed/allowed and not in the browser's policy.
func TestFrameAncestorsRefuseIPv6(t *testing.T) {
	if _, err := newFrameAncestors([]string{"http://[::1]:8081"}); err == nil || !strings.Contains(err.Error(), "IPv6") {
		t.Errorf("got %v, want the IPv6 entry refused", err)
	}
	if _, err := New(Config{Dist: t.TempDir(), FrameAncestors: []string{"http://[::1]:8081"}}, discardLog); err == nil ||
		!strings.Contains(err.Error(), `frame ancestors: "http://[::1]:8081"`) {
		t.Errorf("New: got %v, want the entry named", err)
	}
	if _, err := newFrameAncestors([]string{"http://127.0.0.1:8081", "http://localhost:*"}); err != nil {
		t.Errorf("IPv4 and names: %v", err)
	}
	if _, err := newOriginPolicy([]string{"http://[::1]:8081"}); err != nil {
		t.Errorf("the relay's allowlist takes IPv6: %v", err)
	}
}

// TestOriginChecksAgree configures one list as both allowlists and checks,
// origin by origin, that the relay's Origin check, /embed/allowed and the
// CSP frame-ancestors header, read by CSP3's matching rules, give the same
// answer.
func TestOriginChecksAgree(t *testing.T) {
	entries := []string{"https://app.example.com", "https://*.shop.example", "http://localhost:*",
		"http://127.0.0.1:8081", "https://pay.example:443", "http://dev.example:8080"}
	ts, srv := newTestProxy(t, Config{AllowedOrigins: entries, FrameAncestors: entries})
	resp, _ := get(t, ts.URL+"/", nil)
	var sources []string
	for _, d := range strings.Split(resp.Header.Get("Content-Security-Policy"), ";") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(d), "frame-ancestors "); ok {
			sources = strings.Fields(rest)[1:] // after 'self'
		}
	}
	if len(sources) != len(entries) {
		t.Fatalf("frame-ancestors sources %q for %d entries", sources, len(entries))
	}
	for _, o := range []string{
		"https://app.example.com", "https://app-evil.example.com", "https://appx.example.com", "https://x.app.example.com",
		"https://a.shop.example", "https://a.b.shop.example", "https://shop.example", "https://evilshop.example",
		"http://localhost", "http://localhost:3000", "https://localhost:3000", "http://localhost.evil:3000",
		"http://127.0.0.1:8081", "https://127.0.0.1:8081", "http://127.0.0.1", "https://pay.example",
		"https://pay.example:8443", "http://pay.example", "http://dev.example:8080", "https://dev.example:8080",
		"http://dev.example", "https://evil.example",
	} {
		u, _ := url.Parse(o)
		csp := false
		for _, s := range sources {
			csp = csp || cspMatches(s, u)
		}
		_, body := get(t, ts.URL+"/embed/allowed?origin="+url.QueryEscape(o), nil)
		embed := strings.TrimSpace(body) == `{"allowed":true}`
		r := httptest.NewRequest("GET", "/ws", nil)
		r.Header.Set("Origin", o)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, r)
		relay := rec.Code != http.StatusForbidden
		if csp != embed || csp != relay {
			t.Errorf("%s: CSP %v, /embed/allowed %v, relay %v", o, csp, embed, relay)
		}
	}
}

// cspMatches is CSP3's host-source matching (§6.7.2.8–6.7.2.10) of a
// source expression scheme://host[:port] against a URL, written from the
// specification independently of the proxy's code.
func cspMatches(expr string, u *url.URL) bool {
	scheme, rest, _ := strings.Cut(expr, "://")
	hostPart, portPart := rest, ""
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.HasSuffix(rest, "]") {
		hostPart, portPart = rest[:i], rest[i+1:]
	}
	urlScheme := strings.ToLower(u.Scheme)
	// Scheme-part: an exact match, or http for https.
	if scheme != urlScheme && !(scheme == "http" && urlScheme == "https") {
		return false
	}
	// Host-part: "*." keeps its dot, so it needs a label before it.
	host := strings.ToLower(u.Host)
	if p := u.Port(); p != "" {
		host = strings.TrimSuffix(host, ":"+p)
	}
	if wild, ok := strings.CutPrefix(hostPart, "*"); ok && strings.HasPrefix(wild, ".") {
		if !strings.HasSuffix(host, wild) {
			return false
		}
	} else if !strings.EqualFold(hostPart, host) {
		return false
	}
	// Port-part, with the URL's port null when it is the default, as the
	// URL parser leaves it.
	defaults := map[string]string{"http": "80", "https": "443"}
	port := u.Port()
	if port == defaults[urlScheme] {
		port = ""
	}
	switch {
	case portPart == "*":
		return true
	case portPart == port:
		return true
	case port == "":
		return portPart == defaults[urlScheme]
	}
	return false
}

func FuzzOriginPolicy(f *testing.F) {
	for _, s := range []string{"https://a.example", "http://localhost:*", "*", "https://*.x", "https://*.a.example",
		"https://[::1]:80", "http://[::1]:8080", "https://app*.example.com", "http://127.0.0.1:8081", "\x00"} {
		f.Add(s, "https://a.example")
		f.Add(s, "http://1:8080")
		f.Add(s, "https://b.a.example:443")
	}
	f.Fuzz(func(t *testing.T, entry, raw string) {
		p, err := newOriginPolicy([]string{entry})
		if err != nil {
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", entry)) {
				t.Errorf("error %q does not name the entry %q", err, entry)
			}
			return
		}
		e := p.entries[0]
		csp := p.cspSources()
		// What goes into the CSP header is one plain source expression.
		if strings.Trim(csp, "abcdefghijklmnopqrstuvwxyz0123456789.-:/*[]") != "" || strings.Count(csp, "*") > 2 {
			t.Fatalf("entry %q renders as %q", entry, csp)
		}
		// The rendering parses back to the same entry.
		again, err := newOriginPolicy([]string{csp})
		if err != nil || !reflect.DeepEqual(again, p) {
			t.Fatalf("entry %q renders as %q, which parses as %+v, %v", entry, csp, again, err)
		}
		// An entry without a wildcard allows itself.
		if !e.anySubdomain && e.port != "*" {
			self, err := parseOrigin(csp)
			if err != nil || !p.allows(self, "") {
				t.Fatalf("entry %q does not allow %q: %v", entry, csp, err)
			}
		}
		o, err := parseOrigin(raw)
		if err != nil {
			return
		}
		if again, err := parseOrigin(o.String()); err != nil || again != o {
			t.Fatalf("origin %q normalises to %q, which parses as %+v, %v", raw, o, again, err)
		}
		u, err := url.Parse(o.String())
		if err != nil {
			t.Fatalf("origin %q normalises to %q, not a URL: %v", raw, o, err)
		}
		// The relay and /embed/allowed decide as a browser reads the CSP.
		if got, want := p.allows(o, ""), cspMatches(csp, u); got != want {
			t.Fatalf("entry %q (CSP %q), origin %q: allows %v, CSP matching %v", entry, csp, o, got, want)
		}
	})
}
