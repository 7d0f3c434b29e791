package emulator

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"go.mau.fi/whatsmeow/proto/waWa6"
	"go.mau.fi/whatsmeow/store"
)

// ClientVersion is a WhatsApp Web version as the ClientPayload's
// UserAgent.AppVersion carries it (whatsmeow store.WAVersionContainer).
type ClientVersion [3]uint32

func (v ClientVersion) String() string { return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]) }

func (v ClientVersion) less(o ClientVersion) bool {
	for i := range v {
		if v[i] != o[i] {
			return v[i] < o[i]
		}
	}
	return false
}

// ParseClientVersion reads "2.3000.N", or a bare "N" meaning 2.3000.N: the
// revision web.whatsapp.com publishes (whatsmeow update.go GetLatestVersion
// always reports 2.3000.N).
func ParseClientVersion(s string) (ClientVersion, error) {
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) == 1 {
		parts = []string{"2", "3000", parts[0]}
	}
	var v ClientVersion
	if len(parts) != 3 {
		return v, fmt.Errorf("%w: client version %q is not like 2.3000.1045649367", ErrInvalid, s)
	}
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return v, fmt.Errorf("%w: client version %q is not like 2.3000.1045649367", ErrInvalid, s)
		}
		v[i] = uint32(n)
	}
	return v, nil
}

// defaultCurrentVersion is the version this build's whatsmeow sends.
func defaultCurrentVersion() ClientVersion {
	v := store.GetWAVersion()
	return ClientVersion{v[0], v[1], v[2]}
}

// Versions are the client versions the server enforces and publishes.
type Versions struct {
	// MinClientVersion refuses logins and pairings of older clients; "" refuses none.
	MinClientVersion string `json:"minClientVersion"`
	// CurrentClientVersion is what GET / publishes as the latest WhatsApp Web.
	CurrentClientVersion string `json:"currentClientVersion"`
}

// versionState is guarded by Server.versionMu.
type versionState struct {
	min     *ClientVersion
	current ClientVersion
}

func (v versionState) public() Versions {
	out := Versions{CurrentClientVersion: v.current.String()}
	if v.min != nil {
		out.MinClientVersion = v.min.String()
	}
	return out
}

// Versions returns the enforced and published client versions.
func (s *Server) Versions() Versions {
	s.versionMu.Lock()
	defer s.versionMu.Unlock()
	return s.versions.public()
}

// SetVersions changes the versions given (nil keeps one); min "" lifts the minimum.
func (s *Server) SetVersions(min, current *string) (Versions, error) {
	var minV, curV *ClientVersion
	if min != nil && *min != "" {
		v, err := ParseClientVersion(*min)
		if err != nil {
			return Versions{}, err
		}
		minV = &v
	}
	if current != nil {
		v, err := ParseClientVersion(*current)
		if err != nil {
			return Versions{}, err
		}
		curV = &v
	}
	s.versionMu.Lock()
	if min != nil {
		s.versions.min = minV
	}
	if curV != nil {
		s.versions.current = *curV
	}
	out := s.versions.public()
	s.versionMu.Unlock()
	s.log.Info("client versions set", "min", out.MinClientVersion, "current", out.CurrentClientVersion)
	return out, nil
}

// outdated reports whether a ClientPayload's app version is below the minimum.
func (s *Server) outdated(p *waWa6.ClientPayload) (ClientVersion, bool) {
	av := p.GetUserAgent().GetAppVersion()
	v := ClientVersion{av.GetPrimary(), av.GetSecondary(), av.GetTertiary()}
	s.versionMu.Lock()
	defer s.versionMu.Unlock()
	return v, s.versions.min != nil && v.less(*s.versions.min)
}

// refuseOutdated answers a too-old client's login or registration with
// <failure reason="405"/>, which whatsmeow (connectionevents.go
// handleConnectFailure, ConnectFailureClientOutdated) reports as
// events.ClientOutdated and does not retry.
func (c *conn) refuseOutdated(v ClientVersion) {
	c.log.Warn("connection refused: client outdated", "version", v.String(), "min", c.srv.Versions().MinClientVersion)
	c.send(failureNode("405"))
	c.phase = phaseClosing
	c.closeAfter(closeGrace)
}

// rootPage stands in for https://web.whatsapp.com/: whatsmeow's
// GetLatestVersion (update.go) GETs that origin and reads the version from
// `"client_revision":N,` in the page. The page serves the same purpose here.
var rootPage = template.Must(template.New("root").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>WhatsApp (waemu)</title></head>
<body>
<p>This is waemu, an emulated WhatsApp server for tests and demos: the protocol at /ws/chat, the control API under /control/ and the <a href="/phone">phone</a>.</p>
<script>window.waemuServerData = {"client_revision":{{.Rev}},"server_revision":{{.Rev}},"version":"{{.Version}}"};</script>
</body>
</html>
`))

func (s *Server) serveRoot(w http.ResponseWriter, _ *http.Request) {
	s.versionMu.Lock()
	cur := s.versions.current
	s.versionMu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	// html/template would quote the number inside <script>; build the values as text.
	if err := rootPage.Execute(w, struct {
		Rev     template.JS
		Version string
	}{template.JS(strconv.FormatUint(uint64(cur[2]), 10)), cur.String()}); err != nil {
		s.log.Error("rendering the root page failed", "err", err)
	}
}
