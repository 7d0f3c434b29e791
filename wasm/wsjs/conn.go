//go:build js

package websocket

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall/js"
)

// defaultReadLimit is the largest message Read accepts until SetReadLimit
// is called (the same default as coder/websocket).
const defaultReadLimit = 32768

// Conn is a WebSocket connection backed by the browser's WebSocket object.
//
// Read may run in one goroutine while others call Write, Close and CloseNow.
//
// The browser delivers events to js.FuncOf callbacks, which must never block
// (blocking there deadlocks the Go wasm runtime). The callbacks therefore
// only copy data, append to a mutex-protected queue and signal through
// buffered or closed channels; all waiting happens in the calling goroutines.
type Conn struct {
	ws js.Value

	// wake receives a token (never blocking the sender) whenever a message
	// has been queued.
	wake chan struct{}
	// opened is closed by the open event.
	opened chan struct{}
	// done is closed when err is set: the connection is unusable from then.
	done chan struct{}
	// gone is closed when the socket is torn down: after the close event,
	// or when we stop waiting for it.
	gone chan struct{}
	// writeSlot serialises writers, so each one's backpressure check and
	// send happen together; waiting for it honours the caller's context.
	writeSlot chan struct{}

	mu        sync.Mutex
	queue     []message
	err       error // terminal error, set once
	readLimit int64
	isOpen    bool
	tornDown  bool
	funcs     []js.Func
}

type message struct {
	typ  MessageType
	data []byte
}

// errClosed reports use of a connection that this side has closed.
var errClosed = fmt.Errorf("websocket: use of closed connection: %w", net.ErrClosed)

// newConn creates the browser WebSocket for url and attaches the event
// handlers. The socket is connecting when it returns.
func newConn(url string, protocols []string) (c *Conn, err error) {
	c = &Conn{
		wake:      make(chan struct{}, 1),
		opened:    make(chan struct{}),
		done:      make(chan struct{}),
		gone:      make(chan struct{}),
		writeSlot: make(chan struct{}, 1),
		readLimit: defaultReadLimit,
	}
	defer func() {
		if err != nil {
			if c.ws.Truthy() {
				c.sendClose(0, "")
			}
			c.teardown()
			c = nil
		}
	}()
	defer catchJS("dial "+url, &err)

	ctor := js.Global().Get("WebSocket")
	if ctor.Type() != js.TypeFunction {
		return c, errors.New("websocket: this environment has no WebSocket")
	}
	if len(protocols) > 0 {
		list := make([]any, len(protocols))
		for i, p := range protocols {
			list[i] = p
		}
		c.ws = ctor.New(url, list)
	} else {
		c.ws = ctor.New(url)
	}
	c.ws.Set("binaryType", "arraybuffer")
	// Events are dispatched by the browser's event loop, which cannot run
	// before this goroutine yields, so none is missed.
	c.handle("onopen", c.onOpen)
	c.handle("onmessage", c.onMessage)
	c.handle("onclose", c.onClose)
	// An error event is always followed by a close event, which carries
	// all the information there is, so there is no onerror handler.
	return c, nil
}

// handle installs fn as the socket's event handler property name. A
// JavaScript exception inside fn fails the connection instead of
// crashing the program.
func (c *Conn) handle(name string, fn func(ev js.Value)) {
	f := js.FuncOf(func(_ js.Value, args []js.Value) any {
		var err error
		defer func() {
			if err != nil {
				c.fail(err)
				c.sendClose(StatusInternalError, "")
				c.teardown()
			}
		}()
		defer catchJS(name, &err)
		var ev js.Value
		if len(args) > 0 {
			ev = args[0]
		}
		fn(ev)
		return nil
	})
	c.funcs = append(c.funcs, f)
	c.ws.Set(name, f)
}

func (c *Conn) onOpen(js.Value) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.isOpen {
		c.isOpen = true
		close(c.opened)
	}
}

func (c *Conn) onMessage(ev js.Value) {
	c.mu.Lock()
	failed, limit := c.err != nil, c.readLimit
	c.mu.Unlock()
	if failed {
		return // closing: drop what still arrives
	}

	var m message
	data := ev.Get("data")
	if data.Type() == js.TypeString {
		m = message{typ: MessageText, data: []byte(data.String())}
	} else {
		// binaryType is "arraybuffer": check the size before copying.
		n := data.Get("byteLength").Int()
		if limit >= 0 && int64(n) > limit {
			c.tooBig(n, limit)
			return
		}
		m = message{typ: MessageBinary, data: make([]byte, n)}
		js.CopyBytesToGo(m.data, js.Global().Get("Uint8Array").New(data))
	}
	if limit >= 0 && int64(len(m.data)) > limit {
		c.tooBig(len(m.data), limit)
		return
	}

	c.mu.Lock()
	c.queue = append(c.queue, m)
	c.mu.Unlock()
	c.signal()
}

// tooBig fails the connection because a message exceeded the read limit.
// Messages queued before it can still be read.
func (c *Conn) tooBig(n int, limit int64) {
	const reason = "message too big"
	c.abort(StatusMessageTooBig, reason,
		fmt.Errorf("websocket: read limited at %d bytes, got a %d byte message: %w",
			limit, n, CloseError{Code: StatusMessageTooBig, Reason: reason}), true)
}

func (c *Conn) onClose(ev js.Value) {
	ce := CloseError{
		Code:   StatusCode(ev.Get("code").Int()),
		Reason: ev.Get("reason").String(),
	}
	c.fail(ce)
	c.teardown()
}

// signal wakes a waiting reader without ever blocking.
func (c *Conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// fail sets the connection's terminal error if none is set yet and reports
// whether it did. It never blocks.
func (c *Conn) fail(err error) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return false
	}
	c.err = err
	close(c.done)
	return true
}

// failLocal fails the connection because this side closes it. Messages not
// yet read are discarded.
func (c *Conn) failLocal(err error) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return false
	}
	c.err = err
	c.queue = nil
	close(c.done)
	return true
}

// terminalErr returns the terminal error, or nil while the connection is
// usable.
func (c *Conn) terminalErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// teardown detaches the event handlers, so the browser calls none of our
// functions again, releases them and marks the socket gone. It is
// idempotent and never blocks.
func (c *Conn) teardown() {
	c.mu.Lock()
	if c.tornDown {
		c.mu.Unlock()
		return
	}
	c.tornDown = true
	funcs := c.funcs
	c.funcs = nil
	c.mu.Unlock()

	func() {
		var err error
		defer catchJS("teardown", &err)
		if !c.ws.Truthy() {
			return
		}
		for _, name := range []string{"onopen", "onmessage", "onclose"} {
			c.ws.Set(name, js.Null())
		}
	}()
	for _, f := range funcs {
		f.Release()
	}
	close(c.gone)
}
