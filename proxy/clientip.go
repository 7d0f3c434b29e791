package proxy

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// clientIPs attributes a request to a client address. Behind a load
// balancer every request arrives from the balancer, so its
// X-Forwarded-For names the client — but only a configured balancer is
// believed: anyone else could write any address there and dodge the
// per-IP limits.
type clientIPs struct {
	trusted []netip.Prefix
}

// parseTrustedProxies accepts addresses ("10.0.0.7", "::1") and CIDR
// prefixes ("10.0.0.0/8").
// Every bad entry is reported.
func parseTrustedProxies(entries []string) ([]netip.Prefix, error) {
	var prefixes []netip.Prefix
	var errs []error
	for _, e := range entries {
		p, err := parseTrustedProxy(e)
		if err != nil {
			errs = append(errs, fmt.Errorf("%q: want an IP address or CIDR prefix: %w", e, err))
			continue
		}
		prefixes = append(prefixes, p)
	}
	return prefixes, errors.Join(errs...)
}

func parseTrustedProxy(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if p.Addr().Is4In6() {
			return netip.Prefix{}, errors.New("write IPv4 prefixes in IPv4 form")
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func (c clientIPs) isTrusted(a netip.Addr) bool {
	for _, p := range c.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// of returns the client address of r: its peer's, unless the peer is a
// trusted proxy, in which case X-Forwarded-For is read from the right —
// each trusted hop appends the address it saw — and the first address not
// itself a trusted proxy is the client. An entry that does not parse ends
// the walk at the last trusted hop, since the hop that wrote it is not to
// be believed. An invalid result means the peer address is unknown (a Unix
// socket); all such requests share one set of limits.
func (c clientIPs) of(r *http.Request) netip.Addr {
	peer := parseHostAddr(r.RemoteAddr)
	if !peer.IsValid() || !c.isTrusted(peer) {
		return peer
	}
	client := peer
	values := r.Header.Values("X-Forwarded-For")
	for i := len(values) - 1; i >= 0; i-- {
		entries := strings.Split(values[i], ",")
		for j := len(entries) - 1; j >= 0; j-- {
			a := parseHostAddr(strings.TrimSpace(entries[j]))
			if !a.IsValid() {
				return client
			}
			client = a
			if !c.isTrusted(a) {
				return client
			}
		}
	}
	return client
}

// parseHostAddr reads "ip", "ip:port" or "[ipv6]:port", with IPv4-mapped
// IPv6 addresses turned into IPv4 and zones dropped, so one client has one
// identity. It returns the zero Addr when s is none of these.
func parseHostAddr(s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone("")
}
