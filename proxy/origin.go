package proxy

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// originPolicy decides which page origins may use the relay or embed the
// app. The proxy's own origin is always allowed; every other origin must
// match one of the entries.
//
// An entry is an origin, scheme://host[:port], parsed rather than globbed,
// with CSP's host-source semantics (CSP3 §6.7.2), so that the relay's
// Origin check, /embed/allowed and the frame-ancestors header, which is
// rendered from the same entries, agree:
//
//   - the scheme is http or https; as in CSP, an http:// entry also admits
//     the same host and port over https:// (a secure upgrade), never the
//     reverse;
//   - the host is a DNS name, compared case-insensitively, a dotted-quad
//     IPv4 address, or an IPv6 address in brackets ("http://[::1]:8080");
//   - "*." may start the host, standing for one or more whole labels:
//     "https://*.example.com" admits a.example.com and a.b.example.com, not
//     example.com itself (list it too if it should be);
//   - the port is a number, "*" for any port ("http://localhost:*"), or
//     absent for the scheme's default; a default port written out
//     (https://x:443) is the same entry as none.
//
// '*' stands for nothing else: not part of a label (app*.example.com),
// not a host on its own, not part of a port.
type originPolicy struct {
	entries []originEntry
}

// originEntry is one parsed allowlist entry.
type originEntry struct {
	scheme string
	// host is lowercase, an IPv6 address in brackets; with anySubdomain it
	// is the part after "*.".
	host         string
	anySubdomain bool
	// port is "" for the scheme's default port, "*" for any, or a decimal
	// number without leading zeros that is not the scheme's default.
	port string
}

// origin is a parsed Origin header: the host as the entries have it and
// the port always explicit.
type origin struct {
	scheme string
	host   string
	port   int
}

func (o origin) String() string {
	s := o.scheme + "://" + o.host
	if o.port != defaultPort(o.scheme) {
		s += ":" + strconv.Itoa(o.port)
	}
	return s
}

func defaultPort(scheme string) int {
	if scheme == "https" {
		return 443
	}
	return 80
}

// wildcardHelp is the message for a '*' where none may be.
const wildcardHelp = "'*' may stand only for whole leftmost DNS labels (https://*.example.com) or a whole port (http://localhost:*)"

// newOriginPolicy parses the entries, reporting every bad one by name.
func newOriginPolicy(entries []string) (originPolicy, error) {
	var p originPolicy
	var errs []error
	for _, s := range entries {
		e, err := parseOriginEntry(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.entries = append(p.entries, e)
	}
	if err := errors.Join(errs...); err != nil {
		return originPolicy{}, err
	}
	return p, nil
}

// newFrameAncestors is newOriginPolicy for entries that also go into the
// CSP's frame-ancestors, whose grammar (CSP3 host-source) has no IPv6
// literals: browsers would drop such an entry from the CSP while
// /embed/allowed kept it, so it is refused.
func newFrameAncestors(entries []string) (originPolicy, error) {
	p, err := newOriginPolicy(entries)
	if err != nil {
		return originPolicy{}, err
	}
	var errs []error
	for i, e := range p.entries {
		if strings.HasPrefix(e.host, "[") {
			errs = append(errs, fmt.Errorf("%q: a CSP frame-ancestors source cannot name an IPv6 address, so browsers would ignore it; use a host name", entries[i]))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return originPolicy{}, err
	}
	return p, nil
}

// parseOriginEntry parses one allowlist entry.
func parseOriginEntry(s string) (originEntry, error) {
	fail := func(format string, args ...any) (originEntry, error) {
		return originEntry{}, fmt.Errorf("%q: "+format, append([]any{s}, args...)...)
	}
	if s == "*" {
		return fail("would allow any site; list the origins instead")
	}
	scheme, host, port, err := splitOrigin(s)
	if err != nil {
		return fail("%v", err)
	}
	e := originEntry{scheme: scheme}
	switch {
	case port == "*":
		e.port = "*"
	case port != "":
		n, err := parsePort(port)
		if err != nil {
			return fail("%v", err)
		}
		if n != defaultPort(scheme) {
			e.port = strconv.Itoa(n)
		}
	}
	switch {
	case host == "*":
		return fail("would allow any site; list the origins instead")
	case strings.HasPrefix(host, "*."):
		e.anySubdomain = true
		host = strings.ToLower(host[2:])
		if strings.Contains(host, "*") {
			return fail(wildcardHelp)
		}
		if strings.HasPrefix(host, "[") || looksNumeric(host) {
			return fail("'*.' must be followed by a DNS name, not an IP address")
		}
		if err := checkDNSName(host); err != nil {
			return fail("%v", err)
		}
		if !strings.Contains(host, ".") && host != "localhost" {
			return fail("*.%s would allow every site under .%s", host, host)
		}
		e.host = host
	case strings.Contains(host, "*"):
		return fail(wildcardHelp)
	default:
		h, err := canonicalHost(host)
		if err != nil {
			return fail("%v", err)
		}
		if !strings.HasPrefix(h, "[") && !looksNumeric(h) {
			if err := checkDNSName(h); err != nil {
				return fail("%v", err)
			}
		}
		e.host = h
	}
	return e, nil
}

// parseOrigin parses an origin as browsers send it in the Origin header,
// scheme://host[:port], tolerating what a person might write: upper case,
// a default port, a trailing slash.
func parseOrigin(s string) (origin, error) {
	scheme, host, port, err := splitOrigin(s)
	if err != nil {
		return origin{}, fmt.Errorf("origin %q: %w", s, err)
	}
	o := origin{scheme: scheme, port: defaultPort(scheme)}
	if port != "" {
		if o.port, err = parsePort(port); err != nil {
			return origin{}, fmt.Errorf("origin %q: %w", s, err)
		}
	}
	if o.host, err = canonicalHost(host); err != nil {
		return origin{}, fmt.Errorf("origin %q: %w", s, err)
	}
	if !strings.HasPrefix(o.host, "[") && strings.Trim(o.host, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != "" {
		return origin{}, fmt.Errorf("origin %q: the host has characters no browser sends", s)
	}
	return o, nil
}

// splitOrigin cuts scheme://host[:port][/] into its parts, the scheme
// lowercased, the port as written ("" when absent).
func splitOrigin(s string) (scheme, host, port string, err error) {
	scheme, rest, ok := strings.Cut(s, "://")
	scheme = strings.ToLower(scheme)
	if !ok || (scheme != "http" && scheme != "https") {
		return "", "", "", errors.New("want an http:// or https:// origin")
	}
	rest = strings.TrimSuffix(rest, "/")
	if strings.Contains(rest, "@") {
		return "", "", "", errors.New("an origin has no user name or password")
	}
	if i := strings.IndexFunc(rest, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || strings.ContainsRune(`/?#\;,'"`, r)
	}); i >= 0 {
		return "", "", "", errors.New("want scheme://host[:port] with nothing after it")
	}
	host, port, err = splitHostPort(rest)
	return scheme, host, port, err
}

// splitHostPort cuts host[:port], where an IPv6 host is in brackets.
func splitHostPort(s string) (host, port string, err error) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", errors.New("an IPv6 address lacks its closing ]")
		}
		host, rest := s[:end+1], s[end+1:]
		if rest == "" {
			return host, "", nil
		}
		port, ok := strings.CutPrefix(rest, ":")
		if !ok {
			return "", "", errors.New("want scheme://host[:port] with nothing after it")
		}
		if port == "" {
			return "", "", errors.New("the port is empty")
		}
		return host, port, nil
	}
	if strings.Count(s, ":") > 1 {
		return "", "", errors.New("write an IPv6 address in brackets, as in http://[::1]:8080")
	}
	host, port, hasPort := strings.Cut(s, ":")
	if hasPort && port == "" {
		return "", "", errors.New("the port is empty")
	}
	if host == "" {
		return "", "", errors.New("the host is empty")
	}
	return host, port, nil
}

func parsePort(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || strings.Trim(s, "0123456789") != "" || n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %q: want a number from 1 to 65535", s)
	}
	return n, nil
}

// canonicalHost lowercases a host and writes an IP address the way
// browsers serialise it. Hosts that a browser would read as an IPv4
// address in another form (127.1, 0x7f.0.0.1, a bare number) are refused:
// the browser's Origin would say something else.
func canonicalHost(h string) (string, error) {
	h = strings.ToLower(h)
	if inner, ok := strings.CutPrefix(h, "["); ok {
		inner = strings.TrimSuffix(inner, "]")
		a, err := netip.ParseAddr(inner)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", fmt.Errorf("%q is not an IPv6 address", inner)
		}
		return "[" + a.String() + "]", nil
	}
	if looksNumeric(h) {
		a, err := netip.ParseAddr(h)
		if err != nil || !a.Is4() || a.String() != h {
			return "", fmt.Errorf("host %q: browsers read it as an IPv4 address; write one in dotted-quad form, as in 127.0.0.1", h)
		}
	}
	return h, nil
}

// looksNumeric reports whether a host ends in a number, which makes
// browsers parse it as an IPv4 address (the WHATWG URL standard's
// "ends in a number").
func looksNumeric(h string) bool {
	last := h[strings.LastIndexByte(h, '.')+1:]
	if last == "" {
		return false
	}
	if hex, ok := strings.CutPrefix(last, "0x"); ok {
		return strings.Trim(hex, "0123456789abcdef") == ""
	}
	return strings.Trim(last, "0123456789") == ""
}

// checkDNSName accepts what a CSP host-source can spell: labels of
// letters, digits and hyphens, with no empty label and no trailing dot.
func checkDNSName(h string) error {
	if len(h) > 253 {
		return errors.New("the host is longer than 253 characters")
	}
	for _, label := range strings.Split(h, ".") {
		switch {
		case label == "":
			return fmt.Errorf("host %q has an empty label (a trailing dot?)", h)
		case len(label) > 63:
			return fmt.Errorf("host %q has a label longer than 63 characters", h)
		case strings.Trim(label, "abcdefghijklmnopqrstuvwxyz0123456789-") != "":
			return fmt.Errorf("host %q: want letters, digits, hyphens and dots (an international name in its xn-- form)", h)
		}
	}
	return nil
}

var errMissingOrigin = errors.New("the request has no Origin header")

// check reports why r's Origin is not allowed, or nil if it is.
func (p originPolicy) check(r *http.Request) error {
	raw := r.Header.Get("Origin")
	if raw == "" {
		return errMissingOrigin
	}
	o, err := parseOrigin(raw)
	if err != nil {
		return err
	}
	if p.allows(o, r.Host) {
		return nil
	}
	return fmt.Errorf("origin %q is not in the allowlist", raw)
}

// allows reports whether an origin may be served to a request for host
// (the Host header). The scheme is not compared for the proxy's own origin
// because a TLS terminator in front of the proxy changes it.
func (p originPolicy) allows(o origin, host string) bool {
	if isOwnOrigin(o, host) {
		return true
	}
	for _, e := range p.entries {
		if e.matches(o) {
			return true
		}
	}
	return false
}

// isOwnOrigin reports whether o names the host of the request: the same
// host, and the port in Host or, without one, the default port of o's
// scheme.
func isOwnOrigin(o origin, host string) bool {
	h, port, err := splitHostPort(host)
	if err != nil {
		return false
	}
	if h, err = canonicalHost(h); err != nil || h != o.host {
		return false
	}
	if port == "" {
		return o.port == defaultPort(o.scheme)
	}
	n, err := parsePort(port)
	return err == nil && n == o.port
}

// matches follows CSP3's host-source matching: scheme-part, host-part and
// port-part (§6.7.2.8–6.7.2.10), for an origin's URL.
func (e originEntry) matches(o origin) bool {
	if o.scheme != e.scheme && (e.scheme != "http" || o.scheme != "https") {
		return false
	}
	if e.anySubdomain {
		// The dot stays in the suffix, so *.example.com does not admit
		// notexample.com, and a label must precede it.
		if !strings.HasSuffix(o.host, "."+e.host) || strings.HasPrefix(o.host, "[") {
			return false
		}
	} else if o.host != e.host {
		return false
	}
	switch e.port {
	case "*":
		return true
	case "":
		return o.port == defaultPort(o.scheme)
	default:
		return e.port == strconv.Itoa(o.port)
	}
}

func (e originEntry) String() string {
	s := e.scheme + "://"
	if e.anySubdomain {
		s += "*."
	}
	s += e.host
	if e.port != "" {
		s += ":" + e.port
	}
	return s
}

// cspSources renders the entries as CSP source expressions, which match
// exactly what allows does.
func (p originPolicy) cspSources() string {
	sources := make([]string, len(p.entries))
	for i, e := range p.entries {
		sources[i] = e.String()
	}
	return strings.Join(sources, " ")
}
