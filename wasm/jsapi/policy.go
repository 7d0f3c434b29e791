package jsapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// ServerPolicy asks the proxy, which holds the allowlist of embedding
// origins, whether an origin may use the widget; answers are cached.
type ServerPolicy struct {
	// URL is the proxy's /embed/allowed endpoint.
	URL string

	mu      sync.Mutex
	answers map[string]bool
}

var policyClient = &http.Client{Timeout: 10 * time.Second}

// Allows reports whether origin may embed the app; any failure to ask
// counts as no.
func (p *ServerPolicy) Allows(origin string) bool {
	p.mu.Lock()
	allowed, known := p.answers[origin]
	p.mu.Unlock()
	if known {
		return allowed
	}
	resp, err := policyClient.Get(p.URL + "?origin=" + url.QueryEscape(origin))
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var answer struct {
		Allowed bool `json:"allowed"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&answer) != nil {
		return false
	}
	p.mu.Lock()
	if p.answers == nil {
		p.answers = map[string]bool{}
	}
	p.answers[origin] = answer.Allowed
	p.mu.Unlock()
	return answer.Allowed
}
