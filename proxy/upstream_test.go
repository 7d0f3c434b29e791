package proxy

import (
	"context"
	"crypto/x509"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/coder/websocket"
)

// echoUpstream stands in for WhatsApp: it echoes every message unchanged and,
// on a text message "close <code> <reason>", closes with that code and
// reason. Each accepted connection is announced on conns.
type echoUpstream struct {
	*httptest.Server
	origins chan string
}

func newEchoUpstream(t testing.TB) *echoUpstream {
	u := newUnstartedEchoUpstream(t)
	u.Start()
	return u
}

// newTLSEchoUpstream is an echo upstream at a wss:// URL, whose certificate
// is its own authority: u.Certificate().
func newTLSEchoUpstream(t testing.TB) *echoUpstream {
	u := newUnstartedEchoUpstream(t)
	// Refused handshakes are what some tests expect, not news.
	u.Config.ErrorLog = log.New(io.Discard, "", 0)
	u.StartTLS()
	return u
}

func newUnstartedEchoUpstream(t testing.TB) *echoUpstream {
	u := &echoUpstream{origins: make(chan string, 16)}
	u.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
		if err != nil {
			return
		}
		c.SetReadLimit(maxWhatsAppMessage)
		select {
		case u.origins <- r.Header.Get("Origin"):
		default:
		}
		echo(c)
	}))
	t.Cleanup(u.Close)
	return u
}

func echo(c *websocket.Conn) {
	ctx := context.Background()
	for {
		typ, msg, err := c.Read(ctx)
		if err != nil {
			c.CloseNow()
			return
		}
		if typ == websocket.MessageText && strings.HasPrefix(string(msg), "close ") {
			fields := strings.SplitN(string(msg), " ", 3)
			code, _ := strconv.Atoi(fields[1])
			reason := ""
			if len(fields) == 3 {
				reason = fields[2]
			}
			c.Close(websocket.StatusCode(code), reason)
			return
		}
		if err := c.Write(ctx, typ, msg); err != nil {
			return
		}
	}
}

func (u *echoUpstream) wsURL() string { return "ws" + strings.TrimPrefix(u.URL, "http") }

// The relay verifies a wss:// upstream's certificate: against the system's
// authorities by default, which do not include the test server's own, and
// against UpstreamRootCAs alone when they are given.
func TestRelayTrustsOnlyTheGivenUpstreamAuthorities(t *testing.T) {
	checkLeaks(t)
	up := newTLSEchoUpstream(t)
	if !strings.HasPrefix(up.wsURL(), "wss://") {
		t.Fatalf("upstream at %s, want wss://", up.wsURL())
	}

	ts, srv := newTestProxy(t, Config{Upstream: up.wsURL()})
	_, resp, err := dialRelay(t, ts.URL, ts.URL)
	if err == nil || resp == nil {
		t.Fatalf("the handshake succeeded or got no answer (%v); want 502", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "x509: certificate signed by unknown authority") {
		t.Errorf("browser got %s %q, want 502 naming the unknown authority", resp.Status, body)
	}
	eventually(t, "the refusal is counted", func() bool { return refusedCount(srv, refusedUpstreamDown) == 1 })

	roots := x509.NewCertPool()
	roots.AddCert(up.Certificate())
	ts, _ = newTestProxy(t, Config{Upstream: up.wsURL(), UpstreamRootCAs: roots})
	c, _, err := dialRelay(t, ts.URL, ts.URL)
	if err != nil {
		t.Fatalf("with the upstream's authority trusted: %v", err)
	}
	roundTrip(t, c, []byte("over TLS"))
}

func TestUpstreamRootCAsNeedAWSSUpstream(t *testing.T) {
	c := Config{Dist: "dist", Upstream: "ws://127.0.0.1:7400/ws/chat", UpstreamRootCAs: x509.NewCertPool()}.withDefaults()
	if err := c.validate(); err == nil || !strings.Contains(err.Error(), "not a wss:// URL") {
		t.Fatalf("authorities for a ws:// upstream: got %v, want them refused", err)
	}
	c.Upstream = "wss://127.0.0.1:7400/ws/chat"
	if err := c.validate(); err != nil {
		t.Fatalf("authorities for a wss:// upstream: %v", err)
	}
}
