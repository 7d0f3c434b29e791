package proxy

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// WhatsApp's own endpoint and the Origin its servers expect from WhatsApp Web.
const (
	DefaultUpstream       = "wss://web.whatsapp.com/ws/chat"
	DefaultUpstreamOrigin = "https://web.whatsapp.com"
)

// Config is everything the proxy needs; cmd/proxy fills it from flags and
// environment variables.
type Config struct {
	// Dist is the directory of the generated static site.
	Dist string
	// Upstream is the WebSocket URL every relayed connection dials.
	Upstream string
	// UpstreamOrigin is the Origin header sent to the upstream.
	UpstreamOrigin string
	// AllowedOrigins are the page origins, besides the proxy's own, that may
	// open the relay, e.g. "https://app.example.com" or "http://localhost:*".
	AllowedOrigins []string
	// FrameAncestors are the origins allowed to embed the app in a frame; the
	// proxy's own origin is always allowed.
	FrameAncestors []string
}

// withDefaults returns c with empty fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Upstream == "" {
		c.Upstream = DefaultUpstream
	}
	if c.UpstreamOrigin == "" {
		c.UpstreamOrigin = DefaultUpstreamOrigin
	}
	return c
}

// validate reports every problem in c at once, so an operator fixes them in
// one go.
func (c Config) validate() error {
	var errs []error
	if c.Dist == "" {
		errs = append(errs, errors.New("dist: the static site directory is required"))
	}
	if u, err := url.Parse(c.Upstream); err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		errs = append(errs, fmt.Errorf("upstream %q: want a ws:// or wss:// URL with a host", c.Upstream))
	}
	if _, err := parseOrigin(c.UpstreamOrigin); err != nil {
		errs = append(errs, fmt.Errorf("upstream origin: %w", err))
	}
	if _, err := newOriginPolicy(c.AllowedOrigins); err != nil {
		errs = append(errs, fmt.Errorf("allowed origins: %w", err))
	}
	if _, err := newOriginPolicy(c.FrameAncestors); err != nil {
		errs = append(errs, fmt.Errorf("frame ancestors: %w", err))
	}
	return errors.Join(errs...)
}

// SplitList splits a comma- or space-separated list, as given in a flag or
// an environment variable, dropping empty entries.
func SplitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}
