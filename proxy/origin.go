package proxy

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// originPolicy decides which page origins may use the relay or embed the app.
// The proxy's own origin is always allowed; every other origin must match one
// of the patterns, where '*' stands for any run of characters inside the host
// or the port ("http://localhost:*", "https://*.example.com").
type originPolicy struct {
	patterns []string
}

func newOriginPolicy(entries []string) (originPolicy, error) {
	var p originPolicy
	for _, e := range entries {
		norm, err := parseOriginPattern(e)
		if err != nil {
			return originPolicy{}, err
		}
		p.patterns = append(p.patterns, norm)
	}
	return p, nil
}

// parseOriginPattern checks one allowlist entry and returns it normalised.
func parseOriginPattern(s string) (string, error) {
	if s == "*" || strings.HasPrefix(s, "*:") || strings.Contains(s, "://*:") {
		return "", fmt.Errorf("%q would allow any site; list the origins instead", s)
	}
	// Validate the entry as an origin with the wildcards swapped for a
	// placeholder that is legal in hosts and ports.
	const placeholder = "0"
	if _, err := parseOrigin(strings.ReplaceAll(s, "*", placeholder)); err != nil {
		return "", err
	}
	if _, err := path.Match(s, ""); err != nil {
		return "", fmt.Errorf("origin pattern %q: %w", s, err)
	}
	return strings.ToLower(s), nil
}

// parseOrigin checks that s is a bare origin, scheme://host[:port], as
// browsers send in the Origin header, and returns it normalised.
func parseOrigin(s string) (string, error) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "", fmt.Errorf("origin %q: %w", s, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("origin %q: want an http:// or https:// origin", s)
	case u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("origin %q: want scheme://host[:port] with nothing after it", s)
	case u.Port() != "" && strings.Trim(u.Port(), "0123456789") != "":
		return "", fmt.Errorf("origin %q: the port must be a number", s)
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

var errMissingOrigin = errors.New("the request has no Origin header")

// check reports why r's Origin is not allowed, or nil if it is.
func (p originPolicy) check(r *http.Request) error {
	raw := r.Header.Get("Origin")
	if raw == "" {
		return errMissingOrigin
	}
	origin, err := parseOrigin(raw)
	if err != nil {
		return err
	}
	if p.allows(origin, r.Host) {
		return nil
	}
	return fmt.Errorf("origin %q is not in the allowlist", raw)
}

// allows reports whether a normalised origin may be served to a request for
// host. The scheme is not compared for the proxy's own origin because a TLS
// terminator in front of the proxy changes it.
func (p originPolicy) allows(origin, host string) bool {
	if _, h, ok := strings.Cut(origin, "://"); ok && strings.EqualFold(h, host) {
		return true
	}
	for _, pat := range p.patterns {
		if ok, _ := path.Match(pat, origin); ok {
			return true
		}
	}
	return false
}

// cspSources renders the patterns as CSP source expressions.
func (p originPolicy) cspSources() string {
	return strings.Join(p.patterns, " ")
}
