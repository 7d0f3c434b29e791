//go:build js

package websocket

import (
	"context"
	"fmt"
	"net/http"
)

// DialOptions configures Dial.
//
// HTTPClient and HTTPHeader exist because whatsmeow sets them; they are
// accepted and ignored, since a page can neither choose the HTTP stack nor
// set handshake headers (the browser sends its own Origin, for instance).
type DialOptions struct {
	HTTPClient   *http.Client
	HTTPHeader   http.Header
	Subprotocols []string
}

// Dial opens a WebSocket connection to url through the browser.
//
// whatsmeow's fixed URL wss://web.whatsapp.com/ws/chat is dialed at the
// relay instead: globalThis.waprivacyRelayURL when that is a non-empty
// string, otherwise the page origin with http→ws or https→wss and path
// /ws. Every other URL is dialed as given.
//
// The browser does not expose the handshake response, so on success the
// returned *http.Response is a synthetic 101 Switching Protocols; on
// failure it is nil.
func Dial(ctx context.Context, url string, opts *DialOptions) (*Conn, *http.Response, error) {
	if opts == nil {
		opts = &DialOptions{}
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("websocket: dial %s: %w", url, err)
	}
	target, err := dialTarget(url)
	if err != nil {
		return nil, nil, err
	}
	c, err := newConn(target, opts.Subprotocols)
	if err != nil {
		return nil, nil, err
	}

	select {
	case <-c.opened:
	case <-c.done:
		// The socket closed before opening; the browser tells no more
		// than the close code (usually 1006).
		return nil, nil, fmt.Errorf("websocket: dial %s failed: %w", target, c.terminalErr())
	case <-ctx.Done():
		c.CloseNow()
		return nil, nil, fmt.Errorf("websocket: dial %s: %w", target, ctx.Err())
	}

	resp := &http.Response{
		Status:     "101 Switching Protocols",
		StatusCode: http.StatusSwitchingProtocols,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     http.Header{},
		Body:       http.NoBody,
	}
	if p := c.ws.Get("protocol").String(); p != "" {
		resp.Header.Set("Sec-WebSocket-Protocol", p)
	}
	return c, resp, nil
}
