//go:build js

package websocket

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// closeTimeout bounds how long Close waits for the close handshake.
var closeTimeout = 5 * time.Second

// Close starts the close handshake with code and reason and waits, at most
// five seconds, for it to finish. Afterwards every operation returns an
// error, and messages not yet read are discarded.
//
// A browser may only send 1000 or 3000-4999, so any other code is sent as
// StatusNormalClosure, and a reason longer than 123 bytes is shortened.
func (c *Conn) Close(code StatusCode, reason string) error {
	if !c.failLocal(errClosed) {
		return fmt.Errorf("websocket: close: already closed: %w", c.terminalErr())
	}
	err := c.sendClose(code, reason)
	if !c.waitGone(closeTimeout) {
		return errors.New("websocket: close: timed out waiting for the close handshake")
	}
	return err
}

// CloseNow closes the connection without waiting for the close handshake.
// The browser still sends a close frame, without a status code.
func (c *Conn) CloseNow() error {
	if !c.failLocal(errClosed) {
		return fmt.Errorf("websocket: close: already closed: %w", c.terminalErr())
	}
	err := c.sendClose(0, "")
	c.teardown()
	return err
}

// abort closes the connection because of err, without waiting; teardown
// follows the close event, or the timeout if the event never comes. It
// never blocks, so event callbacks may call it.
func (c *Conn) abort(code StatusCode, reason string, err error, keepUnread bool) {
	first := false
	if keepUnread {
		first = c.fail(err)
	} else {
		first = c.failLocal(err)
	}
	if first {
		c.sendClose(code, reason)
		go c.waitGone(closeTimeout)
	}
}

// waitGone waits up to d for the close event and reports whether it came;
// if it did not, the socket is torn down anyway.
func (c *Conn) waitGone(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.gone:
		return true
	case <-t.C:
		c.teardown()
		return false
	}
}

// sendClose asks the browser to close the socket, with code 0 meaning no
// status code. It never blocks: the browser closes asynchronously.
func (c *Conn) sendClose(code StatusCode, reason string) (err error) {
	defer catchJS("close", &err)
	if code == 0 {
		c.ws.Call("close")
		return nil
	}
	code, reason = wireClose(code, reason)
	c.ws.Call("close", int(code), reason)
	return nil
}

// maxCloseReason is the longest reason a close frame can carry, in bytes.
const maxCloseReason = 123

// wireClose adapts code and reason to what a browser allows a page to
// send: code 1000 or 3000-4999, and a reason of at most 123 UTF-8 bytes.
func wireClose(code StatusCode, reason string) (StatusCode, string) {
	if code != StatusNormalClosure && (code < 3000 || code > 4999) {
		code = StatusNormalClosure
	}
	if len(reason) > maxCloseReason {
		cut := maxCloseReason
		for cut > 0 && !utf8.RuneStart(reason[cut]) {
			cut--
		}
		reason = reason[:cut]
	}
	return code, reason
}
