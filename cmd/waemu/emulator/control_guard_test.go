package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// controlRequest sends one control request with the given headers, Host
// included, and returns the status and the error message, if any.
func controlRequest(t *testing.T, base, method, path, body string, header map[string]string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var reply struct{ Error string }
	data, _ := io.ReadAll(resp.Body)
	json.Unmarshal(data, &reply)
	return resp.StatusCode, reply.Error
}

// A page on another site, open while the emulator runs (make demo), must
// not drive it: the control API takes requests from its own /phone page,
// tests and curl only.
func TestControlRefusesCrossSiteRequests(t *testing.T) {
	e := newEnv(t)
	own := e.HTTP.URL
	before := e.Server.Versions()
	const change = `{"currentClientVersion": "2.3000.1"}`
	for _, tc := range []struct {
		name         string
		method, path string
		body         string
		header       map[string]string
		status       int
		error        string
	}{
		{"another site's POST", "POST", "/control/version", change,
			map[string]string{"Origin": "http://127.0.0.1:8081", "Content-Type": "application/json"}, 403, "cross-origin"},
		{"another site's form", "POST", "/control/version", change,
			map[string]string{"Origin": "https://evil.example", "Content-Type": "text/plain"}, 403, `"https://evil.example"`},
		{"a sandboxed page", "POST", "/control/version", change,
			map[string]string{"Origin": "null", "Content-Type": "application/json"}, 403, "cross-origin"},
		{"another site's GET", "GET", "/control/trust", "", map[string]string{"Origin": "http://localhost:8080"}, 403, "cross-origin"},
		{"a cross-site request without Origin", "GET", "/control/accounts/5511912345678", "",
			map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "Sec-Fetch-Site"},
		{"a same-site one (another port)", "DELETE", "/control/faults", "",
			map[string]string{"Sec-Fetch-Site": "same-site"}, 403, "Sec-Fetch-Site"},
		{"DNS rebinding", "POST", "/control/version", change,
			map[string]string{"Host": "evil.example:7400", "Origin": "http://evil.example:7400", "Content-Type": "application/json"}, 403, "IP address or localhost"},
		{"text/plain", "POST", "/control/version", change, map[string]string{"Content-Type": "text/plain"}, 415, "application/json"},
		{"a form", "POST", "/control/version", change, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, "application/json"},
		{"no Content-Type", "POST", "/control/version", change, nil, 415, "application/json"},
		{"a DELETE with a body", "DELETE", "/control/faults", "{}", map[string]string{"Content-Type": "text/plain"}, 415, "application/json"},
	} {
		status, msg := controlRequest(t, own, tc.method, tc.path, tc.body, tc.header)
		if status != tc.status || !strings.Contains(msg, tc.error) {
			t.Errorf("%s: %d %q, want %d with %q", tc.name, status, msg, tc.status, tc.error)
		}
	}
	if after := e.Server.Versions(); after != before {
		t.Fatalf("refused requests changed the versions: %+v → %+v", before, after)
	}
}

// The /phone page is same-origin and sends JSON (phone.html's call): its
// requests pass, as do tests' and curl's, which send no Origin.
func TestControlTakesSameOriginRequests(t *testing.T) {
	e := newEnv(t)
	own := e.HTTP.URL
	page := map[string]string{"Origin": own, "Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"}
	for _, tc := range []struct {
		name         string
		method, path string
		body         string
		header       map[string]string
		status       int
	}{
		{"the phone page's POST", "POST", "/control/faults", `{"latencyMs": 0}`, page, 200},
		{"the phone page's GET", "GET", "/control/accounts/5511912345678", "", map[string]string{"Sec-Fetch-Site": "same-origin"}, 404},
		{"JSON with a charset", "POST", "/control/faults", `{}`, map[string]string{"Content-Type": "application/json; charset=utf-8"}, 200},
		{"Origin in upper case", "POST", "/control/faults", `{}`, map[string]string{"Origin": strings.ToUpper(own), "Content-Type": "application/json"}, 200},
		{"a DELETE without a body", "DELETE", "/control/faults", "", nil, 200},
		{"typed in the address bar", "GET", "/control/trust", "", map[string]string{"Sec-Fetch-Site": "none"}, 200},
		{"by localhost", "GET", "/control/trust", "", map[string]string{"Host": "localhost:7400"}, 200},
	} {
		if status, msg := controlRequest(t, own, tc.method, tc.path, tc.body, tc.header); status != tc.status {
			t.Errorf("%s: %d %q, want %d", tc.name, status, msg, tc.status)
		}
	}
	// The page's own code sends JSON with its type whenever it has a body.
	resp, err := http.Get(own + "/phone")
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(html), `headers: body ? { "Content-Type": "application/json" } : {}`) {
		t.Error("the phone page no longer sends its bodies as application/json")
	}
}
