package proxy

import (
	"context"
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
	u := &echoUpstream{origins: make(chan string, 16)}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
