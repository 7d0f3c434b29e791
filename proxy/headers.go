package proxy

import (
	"net/http"
	"strings"
)

// securityHeaders adds the headers every response carries. The CSP allows
// only the site's own files and connections, WebAssembly compilation
// ('wasm-unsafe-eval', not eval), and framing by the configured origins.
func securityHeaders(next http.Handler, frameAncestors originPolicy) http.Handler {
	csp := strings.Join([]string{
		"default-src 'self'",
		"script-src 'self' 'wasm-unsafe-eval'",
		// go-app may set style attributes when it renders.
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data: blob:",
		"connect-src 'self'",
		"worker-src 'self'",
		"manifest-src 'self'",
		"object-src 'none'",
		"base-uri 'none'",
		"form-action 'self'",
		strings.TrimSpace("frame-ancestors 'self' " + frameAncestors.cspSources()),
	}, "; ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}
