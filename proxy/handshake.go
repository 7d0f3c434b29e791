package proxy

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// The opening handshakes (RFC 6455 §4): the relay answers the browser's
// and makes its own to the upstream. Neither side is offered a subprotocol
// or an extension, so frames need no rewriting.

// acceptKey is Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2).
func acceptKey(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// headerHasToken reports whether a comma-separated header lists token,
// case-insensitively.
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// handshakeError is a browser request that is not a valid WebSocket
// handshake, with the status to answer it with.
type handshakeError struct {
	status int
	msg    string
}

func (e *handshakeError) Error() string { return e.msg }

// checkHandshake checks a browser's opening handshake, returning nil if it
// is one.
func checkHandshake(r *http.Request) *handshakeError {
	switch {
	case r.Method != http.MethodGet:
		return &handshakeError{http.StatusMethodNotAllowed, "a WebSocket handshake is a GET"}
	case !r.ProtoAtLeast(1, 1):
		return &handshakeError{http.StatusUpgradeRequired, "a WebSocket handshake needs HTTP/1.1"}
	case !headerHasToken(r.Header, "Connection", "upgrade") || !headerHasToken(r.Header, "Upgrade", "websocket"):
		return &handshakeError{http.StatusUpgradeRequired, "not a WebSocket handshake: Connection: Upgrade and Upgrade: websocket are required"}
	case r.Header.Get("Sec-WebSocket-Version") != "13":
		return &handshakeError{http.StatusUpgradeRequired, "unsupported WebSocket version; want 13"}
	}
	key, err := base64.StdEncoding.DecodeString(r.Header.Get("Sec-WebSocket-Key"))
	if err != nil || len(key) != 16 {
		return &handshakeError{http.StatusBadRequest, "Sec-WebSocket-Key must be 16 bytes in base64"}
	}
	return nil
}

// accept completes a browser handshake that checkHandshake passed, taking
// the connection over from net/http.
func accept(w http.ResponseWriter, r *http.Request) (net.Conn, error) {
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, err
	}
	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + acceptKey(r.Header.Get("Sec-WebSocket-Key")) + "\r\n\r\n"
	if _, err := io.WriteString(conn, resp); err != nil {
		conn.Close()
		return nil, err
	}
	// The session watches its own idleness and stalls; a deadline left
	// from an earlier response on this connection would cut it off.
	// net/http's Hijack clears deadlines today; the session must not
	// depend on that.
	if err := conn.SetDeadline(time.Time{}); err != nil {
		conn.Close()
		return nil, err
	}
	// A client may send frames right behind its handshake; net/http may
	// have read them already.
	if n := brw.Reader.Buffered(); n > 0 {
		pending, _ := brw.Reader.Peek(n)
		return &prefixedConn{Conn: conn, pending: bytes.Clone(pending)}, nil
	}
	return conn, nil
}

// prefixedConn reads pending before reading from the connection.
type prefixedConn struct {
	net.Conn
	pending []byte
}

func (c *prefixedConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

func (c *prefixedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// dialUpstream makes the opening handshake with the upstream at wsURL and
// returns the connection, over TLS for wss://.
func dialUpstream(ctx context.Context, client *http.Client, wsURL, origin string) (io.ReadWriteCloser, error) {
	httpURL := "http" + strings.TrimPrefix(wsURL, "ws")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, httpURL, nil)
	if err != nil {
		return nil, err
	}
	var nonce [16]byte
	rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	req.Header = http.Header{
		"Connection":            {"Upgrade"},
		"Upgrade":               {"websocket"},
		"Sec-Websocket-Version": {"13"},
		"Sec-Websocket-Key":     {key},
		"Origin":                {origin},
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	rwc, ok := resp.Body.(io.ReadWriteCloser)
	switch {
	case resp.StatusCode != http.StatusSwitchingProtocols:
		resp.Body.Close()
		return nil, fmt.Errorf("upstream answered %s", resp.Status)
	case !ok:
		resp.Body.Close()
		return nil, errors.New("upstream connection cannot be taken over")
	case !headerHasToken(resp.Header, "Upgrade", "websocket") || !headerHasToken(resp.Header, "Connection", "upgrade"):
		rwc.Close()
		return nil, errors.New("upstream did not upgrade to WebSocket")
	case resp.Header.Get("Sec-WebSocket-Accept") != acceptKey(key):
		rwc.Close()
		return nil, errors.New("upstream sent a wrong Sec-WebSocket-Accept")
	case resp.Header.Get("Sec-WebSocket-Extensions") != "" || resp.Header.Get("Sec-WebSocket-Protocol") != "":
		rwc.Close()
		return nil, errors.New("upstream chose an extension or subprotocol that was not offered")
	}
	return rwc, nil
}
