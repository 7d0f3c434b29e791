//go:build js

package websocket

import (
	"context"
	"fmt"
)

// Read waits for the next message and returns its type and bytes.
//
// Messages received before the peer closed are still returned; then Read
// returns the peer's CloseError. If ctx ends first, the connection is closed
// (as coder/websocket does) and Read returns ctx's error. A message larger
// than the read limit closes the connection; Read then returns an error for
// which CloseStatus reports StatusMessageTooBig.
func (c *Conn) Read(ctx context.Context) (MessageType, []byte, error) {
	for {
		if err := ctx.Err(); err != nil {
			return 0, nil, c.readCancelled(err)
		}
		c.mu.Lock()
		if len(c.queue) > 0 {
			m := c.queue[0]
			c.queue[0] = message{}
			c.queue = c.queue[1:]
			more := len(c.queue) > 0
			c.mu.Unlock()
			if more {
				c.signal() // another reader may be waiting
			}
			return m.typ, m.data, nil
		}
		err := c.err
		c.mu.Unlock()
		if err != nil {
			return 0, nil, err
		}

		select {
		case <-c.wake:
		case <-c.done:
		case <-ctx.Done():
		}
	}
}

func (c *Conn) readCancelled(ctxErr error) error {
	c.abort(StatusPolicyViolation, "read cancelled",
		fmt.Errorf("websocket: connection closed after a cancelled read: %w", errClosed), false)
	return fmt.Errorf("websocket: read: %w", ctxErr)
}

// SetReadLimit sets the largest message, in bytes, that Read accepts. The
// default is 32768; -1 disables the limit.
func (c *Conn) SetReadLimit(n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.readLimit = n
}
