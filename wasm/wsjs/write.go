//go:build js

package websocket

import (
	"context"
	"errors"
	"fmt"
	"syscall/js"
	"time"
	"unicode/utf8"
)

// writeHighWater is the backpressure threshold: Write waits while the
// browser holds more than this many bytes not yet sent.
var writeHighWater = 1 << 20

// Write sends p as one message of type typ.
//
// While more than 1 MiB is still buffered by the browser, Write waits for
// it to drain, honouring ctx; a Write abandoned that way sends nothing and
// leaves the connection open. Text must be valid UTF-8.
func (c *Conn) Write(ctx context.Context, typ MessageType, p []byte) error {
	switch typ {
	case MessageBinary:
	case MessageText:
		if !utf8.Valid(p) {
			return errors.New("websocket: write: text message is not valid UTF-8")
		}
	default:
		return fmt.Errorf("websocket: write: unknown message type %d", typ)
	}
	if err := c.writeState(ctx); err != nil {
		return err
	}

	select {
	case c.writeSlot <- struct{}{}:
	case <-c.done:
		return c.writeState(ctx)
	case <-ctx.Done():
		return c.writeState(ctx)
	}
	defer func() { <-c.writeSlot }()

	if err := c.waitDrained(ctx); err != nil {
		return err
	}
	return c.send(typ, p)
}

// writeState returns why a write cannot proceed now, or nil.
func (c *Conn) writeState(ctx context.Context) error {
	if err := c.terminalErr(); err != nil {
		return fmt.Errorf("websocket: write: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("websocket: write: %w", err)
	}
	return nil
}

// waitDrained waits until the browser's send buffer is at or below the
// high-water mark. Sleeping on a timer yields to the browser's event loop,
// which is what drains the buffer.
func (c *Conn) waitDrained(ctx context.Context) error {
	delay := time.Millisecond
	for {
		if err := c.writeState(ctx); err != nil {
			return err
		}
		n, err := c.buffered()
		if err != nil {
			return err
		}
		if n <= writeHighWater {
			return nil
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-c.done:
		case <-ctx.Done():
		}
		t.Stop()
		if delay < 16*time.Millisecond {
			delay *= 2
		}
	}
}

func (c *Conn) buffered() (n int, err error) {
	defer catchJS("write", &err)
	return c.ws.Get("bufferedAmount").Int(), nil
}

// readyOpen is WebSocket.OPEN. In any other state the browser silently
// discards what is sent, so send refuses.
const readyOpen = 1

func (c *Conn) send(typ MessageType, p []byte) (err error) {
	defer catchJS("write", &err)
	if c.ws.Get("readyState").Int() != readyOpen {
		if err := c.terminalErr(); err != nil {
			return fmt.Errorf("websocket: write: %w", err)
		}
		return errors.New("websocket: write: connection is closing")
	}
	if typ == MessageText {
		c.ws.Call("send", string(p))
		return nil
	}
	buf := js.Global().Get("Uint8Array").New(len(p))
	js.CopyBytesToJS(buf, p)
	c.ws.Call("send", buf)
	return nil
}
