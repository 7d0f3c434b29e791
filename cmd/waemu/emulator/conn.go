package emulator

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"

	"github.com/waprivacy/waprivacy/cmd/waemu/frame"
	"github.com/waprivacy/waprivacy/cmd/waemu/noise"
)

const (
	inQueue     = 16      // frames read ahead of the processor; the reader then waits
	outQueue    = 128     // frames waiting to be written; a client that lets it fill is dropped
	maxNodeSize = 4 << 20 // a prekey upload of 812 keys is about 50 KB
	// closeGrace lets the client handle a fatal stanza before the socket goes:
	// whatsmeow drops queued nodes once its socket context ends (protocol.md §2).
	closeGrace = time.Second
)

type phase int

const (
	phaseHello phase = iota
	phaseFinish
	phaseOpen
	phaseClosing // a fatal stanza was sent; ignore whatever else arrives
)

// arrival is a frame read from the client, due for handling at due.
type arrival struct {
	due  time.Time
	data []byte
}

// departure is a frame for the client, due for writing at due. A departure
// with closeAfter > 0 closes the connection that long after everything before it.
type departure struct {
	due        time.Time
	payload    []byte
	encrypt    bool
	closeAfter time.Duration
}

// conn is one WebSocket connection. Three goroutines serve it: the reader
// stamps frames as they arrive, the processor handles them in order when the
// injected latency has passed, and the writer sends queued frames in order
// when theirs has. Each frame is delayed from its own timestamp, so frames
// sent together still arrive together.
type conn struct {
	srv    *Server
	ws     *websocket.Conn
	ctx    context.Context
	cancel context.CancelFunc
	in     chan arrival
	out    chan departure

	transport   atomic.Pointer[noise.Transport]
	established atomic.Bool
	// cut is set by the cutAfterIq fault: no frame is handled after it,
	// and the connection closes once what was sent before has left.
	cut atomic.Bool

	// Owned by the processor goroutine.
	phase  phase
	hs     *noise.Responder
	device types.JID      // the logged-in companion; empty while registering
	stale  *staleSnapshot // fault injection: staleReads, the account before the latest set

	log *slog.Logger

	// Set once when the handshake ends, before the connection is visible to
	// other goroutines through the registry.
	noiseKey [32]byte
	identity []byte // registration only: the companion's identity key

	mu      sync.Mutex
	waiters map[string]chan *waBinary.Node // server-initiated IQs awaiting a reply
	link    *linkAttempt                   // code pairing waiting for companion_finish
	drop    *time.Timer                    // fault injection: dropAfterMs
}

func (s *Server) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	if s.faults.offline() {
		// Refused before the upgrade, so the dial fails at once: a socket
		// closed after it leaves whatsmeow waiting out its handshake.
		s.log.Info("fault injection: refusing a connection after the cut")
		http.Error(w, "offline after the cut", http.StatusServiceUnavailable)
		return
	}
	// Origin is not checked: a browser sends its page's origin (protocol.md §1.1).
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		s.log.Info("websocket upgrade failed", "remote", r.RemoteAddr, "err", err)
		return
	}
	if !s.track() {
		ws.Close(websocket.StatusGoingAway, "server closing")
		return
	}

	defer s.connsRun.Done()
	ws.SetReadLimit(frame.MaxSize + 8)
	ctx, cancel := context.WithCancel(s.ctx)
	c := &conn{
		srv:     s,
		ws:      ws,
		ctx:     ctx,
		cancel:  cancel,
		in:      make(chan arrival, inQueue),
		out:     make(chan departure, outQueue),
		log:     s.log.With("remote", r.RemoteAddr),
		waiters: map[string]chan *waBinary.Node{},
	}
	c.run()
}

func (c *conn) run() {
	c.log.Debug("connection opened")
	hsTimer := time.AfterFunc(c.srv.handshakeTimeout, func() {
		if !c.established.Load() {
			c.log.Info("closing connection: handshake timed out")
			c.cancel()
		}
	})
	defer hsTimer.Stop()
	c.srv.live.add(c)
	c.scheduleDrop(c.srv.faults.dropAfter())

	var wg sync.WaitGroup
	wg.Go(c.writeLoop)
	wg.Go(c.processLoop)
	c.readLoop()
	c.cancel()
	c.ws.CloseNow()
	wg.Wait()
	c.scheduleDrop(0)
	c.srv.live.remove(c)
	c.log.Debug("connection closed")
}

func (c *conn) readLoop() {
	var fr frame.Reader
	for {
		typ, msg, err := c.ws.Read(c.ctx)
		if err != nil {
			return
		}
		at := time.Now()
		if typ != websocket.MessageBinary {
			c.log.Warn("closing connection: text message on a binary protocol")
			return
		}
		frames, err := fr.Feed(msg)
		if err != nil {
			c.log.Warn("closing connection: bad framing", "err", err)
			return
		}
		due := at.Add(c.srv.faults.latency())
		for _, f := range frames {
			select {
			case c.in <- arrival{due: due, data: f}:
			case <-c.ctx.Done():
				return
			}
		}
	}
}

func (c *conn) processLoop() {
	defer func() {
		// A handler bug must cost one connection, not the server.
		if r := recover(); r != nil {
			c.log.Error("closing connection: panic while handling a frame", "panic", r, "stack", string(debug.Stack()))
			c.cancel()
		}
	}()
	for {
		select {
		case a := <-c.in:
			if !c.sleepUntil(a.due) {
				return
			}
			if c.cut.Load() {
				continue
			}
			if err := c.handleFrame(a.data); err != nil {
				c.log.Warn("closing connection", "err", err)
				c.cancel()
				return
			}
		case <-c.ctx.Done():
			return
		}
	}
}

func (c *conn) writeLoop() {
	for {
		select {
		case d := <-c.out:
			if !c.sleepUntil(d.due) {
				return
			}
			if d.closeAfter > 0 {
				if c.sleepUntil(time.Now().Add(d.closeAfter)) {
					c.cancel()
				}
				return
			}
			data := d.payload
			if d.encrypt {
				data = c.transport.Load().Encrypt(data)
			}
			f, err := frame.Encode(data)
			if err == nil {
				// One frame per message: whatsmeow corrupts frames split across messages.
				err = c.ws.Write(c.ctx, websocket.MessageBinary, f)
			}
			if err != nil {
				c.cancel()
				return
			}
		case <-c.ctx.Done():
			return
		}
	}
}

// sleepUntil waits for t; it reports false if the connection ended first.
func (c *conn) sleepUntil(t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return c.ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-c.ctx.Done():
		return false
	}
}

func (c *conn) handleFrame(data []byte) error {
	switch c.phase {
	case phaseHello:
		c.hs = noise.NewResponder(frame.Header, c.srv.static, c.srv.cert)
		reply, err := c.hs.ReadHello(data)
		if err != nil {
			return err
		}
		c.enqueue(departure{payload: reply})
		c.phase = phaseFinish
	case phaseFinish:
		fin, err := c.hs.ReadFinish(data)
		c.hs = nil
		if err != nil {
			return err
		}
		c.noiseKey = fin.ClientStatic
		c.transport.Store(fin.Transport)
		c.phase = phaseOpen
		if err := c.start(fin.Payload); err != nil {
			return err
		}
		c.established.Store(true)
	case phaseOpen:
		plain, err := c.transport.Load().Decrypt(data)
		if err != nil {
			return err
		}
		node, err := decodeNode(plain)
		if err != nil {
			return err
		}
		c.dispatch(node)
	case phaseClosing:
	}
	return nil
}

// decodeNode reads a binary XML node. Flag bit 2 means zlib (whatsmeow
// binary/unpack.go); inflation is capped so a small frame cannot expand without bound.
func decodeNode(data []byte) (*waBinary.Node, error) {
	if len(data) == 0 {
		return nil, errors.New("empty frame")
	}
	body := data[1:]
	if data[0]&2 != 0 {
		zr, err := zlib.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("compressed frame: %w", err)
		}
		body, err = io.ReadAll(io.LimitReader(zr, maxNodeSize+1))
		if err != nil {
			return nil, fmt.Errorf("compressed frame: %w", err)
		}
		if len(body) > maxNodeSize {
			return nil, errors.New("compressed frame inflates beyond the limit")
		}
	}
	return unmarshalNode(body)
}

// unmarshalNode is waBinary.Unmarshal made safe for hostile input: the pinned
// decoder panics on some malformed nodes, for instance a list where the tag
// should be (found by FuzzStanza; see testdata/fuzz).
func unmarshalNode(data []byte) (n *waBinary.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = nil, fmt.Errorf("malformed node: %v", r)
		}
	}()
	return waBinary.Unmarshal(data)
}

func (c *conn) dispatch(node *waBinary.Node) {
	switch node.Tag {
	case "iq":
		c.handleIQ(node)
	case "ack", "receipt", "presence", "chatstate", "notification", "message", "call":
		// Acks for our notifications and traffic the emulator doesn't model.
		c.log.Debug("ignoring stanza", "tag", node.Tag)
	default:
		c.log.Info("ignoring unknown stanza", "tag", node.Tag)
	}
}

func (c *conn) enqueue(d departure) {
	d.due = time.Now().Add(c.srv.faults.latency())
	select {
	case c.out <- d:
	case <-c.ctx.Done():
	default:
		c.log.Warn("closing connection: client is not reading")
		c.cancel()
	}
}

// send queues a node for the client.
func (c *conn) send(node waBinary.Node) {
	data, err := waBinary.Marshal(node)
	if err != nil {
		c.log.Error("cannot encode node", "tag", node.Tag, "err", err)
		return
	}
	c.enqueue(departure{payload: data, encrypt: true})
}

// closeAfter closes the connection grace after everything queued so far is sent.
func (c *conn) closeAfter(grace time.Duration) {
	c.enqueue(departure{closeAfter: grace})
}

// request sends a server-initiated IQ and waits for the client's reply.
func (c *conn) request(ctx context.Context, iq waBinary.Node) (*waBinary.Node, error) {
	id := c.srv.newID()
	iq.Attrs["id"] = id
	ch := make(chan *waBinary.Node, 1)
	c.mu.Lock()
	c.waiters[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiters, id)
		c.mu.Unlock()
	}()
	c.send(iq)
	select {
	case resp := <-ch:
		return resp, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.ctx.Done():
		return nil, fmt.Errorf("%w: connection closed", ErrCompanion)
	}
}

// deliver hands a client's IQ reply to the request waiting for it.
func (c *conn) deliver(id string, resp *waBinary.Node) {
	c.mu.Lock()
	ch := c.waiters[id]
	delete(c.waiters, id)
	c.mu.Unlock()
	if ch == nil {
		c.log.Debug("ignoring reply to no request", "id", id)
		return
	}
	ch <- resp
}

// scheduleDrop arms (or with 0 disarms) the dropAfterMs fault for this connection.
func (c *conn) scheduleDrop(after time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.drop != nil {
		c.drop.Stop()
		c.drop = nil
	}
	if after > 0 {
		c.drop = time.AfterFunc(after, func() {
			c.log.Info("fault injection: dropping connection", "after", after)
			c.cancel()
		})
	}
}

// unixNow is the value of a stanza's t attribute.
func unixNow() string { return strconv.FormatInt(time.Now().Unix(), 10) }
