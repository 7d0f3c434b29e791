package proxy

import (
	"encoding/json"
	"net/http"
)

// embedAllowed answers GET /embed/allowed?origin=… with {"allowed": bool}:
// whether a page on that origin may embed the app, by the same allowlist
// as the CSP's frame-ancestors. The widget's iframe asks before it answers
// a host page's postMessage, so the allowlist lives in one place.
func embedAllowed(ancestors originPolicy) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", "GET")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		o, err := parseOrigin(r.URL.Query().Get("origin"))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]any{"allowed": false, "error": err.Error()})
			return
		}
		json.NewEncoder(w).Encode(map[string]bool{"allowed": ancestors.allows(o, r.Host)})
	}
}
