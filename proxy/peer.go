package proxy

import (
	"io"
	"sync"
)

// peer is one end of a session, as the relay writes to it: the browser or
// the upstream. The forwarder copying into it and the relay's own close
// frames share its writing side.
type peer struct {
	conn io.ReadWriteCloser
	// masked says frames the relay writes itself must be masked: this is
	// the upstream and the relay is its client.
	masked bool

	mu sync.Mutex
	// midFrame says the bytes written so far end inside a frame, where no
	// close frame may go.
	midFrame bool
	// shut says the writing side is done: a close frame went out, or the
	// session is ending. Later writes are dropped.
	shut bool
}

// write sends b, the next bytes of the forwarded stream, which end inside
// a frame if midFrame, or with a close frame if closes. It drops b if the
// writing side is shut.
func (p *peer) write(b []byte, midFrame, closes bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shut {
		return nil
	}
	p.shut = closes
	if _, err := p.conn.Write(b); err != nil {
		p.midFrame = true // part of b may have gone out
		return err
	}
	p.midFrame = midFrame
	return nil
}

// finish shuts the writing side, first sending a close frame with code and
// reason (if code is not 0) unless one went out already or the stream is
// inside a frame. The peer sees the close, then end of stream, and closes
// its side.
func (p *peer) finish(code uint16, reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if code != 0 && !p.shut && !p.midFrame {
		p.conn.Write(closeFrame(code, reason, p.masked))
	}
	p.shut = true
	if cw, ok := p.conn.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
}
