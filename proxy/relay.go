package proxy

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// maxMessage bounds one relayed message: WhatsApp's 3-byte frame length
// allows 16 MiB, plus the 4-byte connection header and the length itself.
const maxMessage = 1<<24 + 8

// copyBufferSize is how much of a message is held at once. Messages up to
// this size are forwarded as a single frame; larger ones are streamed in
// fragments of this size, so memory per connection stays bounded.
const copyBufferSize = 32 << 10

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, copyBufferSize); return &b }}

// relay accepts browser WebSockets and pairs each with a new connection to
// the one configured upstream, copying messages both ways unchanged.
type relay struct {
	upstream       string
	upstreamOrigin string
	origins        originPolicy
	dialTimeout    time.Duration
	log            *slog.Logger

	mu       sync.Mutex
	sessions map[*session]struct{}
	closing  bool
	wg       sync.WaitGroup
}

// session is one browser connection and its upstream twin.
type session struct {
	client, upstream *websocket.Conn
}

func (rl *relay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := rl.log.With("remote", r.RemoteAddr, "origin", r.Header.Get("Origin"))
	if err := rl.origins.check(r); err != nil {
		log.Warn("relay refused", "reason", err.Error())
		http.Error(w, "Forbidden: "+err.Error(), http.StatusForbidden)
		return
	}
	if !rl.track(1) {
		http.Error(w, "the server is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer rl.wg.Done()

	client, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		// The origin was checked above with our own policy.
		InsecureSkipVerify: true,
		CompressionMode:    websocket.CompressionDisabled,
	})
	if err != nil {
		log.Warn("relay handshake failed", "reason", err.Error())
		return
	}
	client.SetReadLimit(maxMessage)

	started := time.Now()
	dialCtx, cancel := context.WithTimeout(context.Background(), rl.dialTimeout)
	upstream, _, err := websocket.Dial(dialCtx, rl.upstream, &websocket.DialOptions{
		HTTPHeader:      http.Header{"Origin": {rl.upstreamOrigin}},
		CompressionMode: websocket.CompressionDisabled,
	})
	cancel()
	if err != nil {
		log.Warn("upstream dial failed", "reason", err.Error())
		client.Close(websocket.StatusBadGateway, truncateReason("upstream unreachable: "+err.Error()))
		return
	}
	upstream.SetReadLimit(maxMessage)
	dialed := time.Since(started)

	s := &session{client: client, upstream: upstream}
	if !rl.register(s) {
		closeBoth(s, websocket.StatusGoingAway, "the server is shutting down")
		return
	}
	defer rl.unregister(s)

	up, down, code := pipe(s)
	log.Info("relay session ended",
		"dial", dialed.Round(time.Millisecond), "duration", time.Since(started).Round(time.Millisecond),
		"bytes_up", up, "bytes_down", down, "close_code", int(code))
}

// pipe copies both ways until one side ends, then closes the other with a
// code that says why. It returns the bytes sent upstream and downstream and
// the code the first side ended with.
func pipe(s *session) (up, down int64, code websocket.StatusCode) {
	type result struct {
		fromClient        bool
		readErr, writeErr error
	}
	var upBytes, downBytes atomic.Int64
	done := make(chan result, 2)
	go func() {
		r, w := copyMessages(s.upstream, s.client, &upBytes)
		done <- result{true, r, w}
	}()
	go func() {
		r, w := copyMessages(s.client, s.upstream, &downBytes)
		done <- result{false, r, w}
	}()

	first := <-done
	// The side whose read ended is already closed; the other one is told
	// why. A failed write means the destination is gone, so the source is
	// the one to tell.
	ended, other := s.upstream, s.client
	if first.fromClient == (first.readErr != nil) {
		ended, other = s.client, s.upstream
	}
	err := first.readErr
	if err == nil {
		err = first.writeErr
	}
	code, reason := relayClose(err, ended == s.upstream)
	other.Close(code, reason)
	ended.CloseNow()
	<-done
	return upBytes.Load(), downBytes.Load(), websocket.CloseStatus(err)
}

// copyMessages forwards messages from src to dst, one message for one
// message, until either fails. It reports which side failed.
func copyMessages(dst, src *websocket.Conn, counter *atomic.Int64) (readErr, writeErr error) {
	bp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bp)
	buf := *bp
	ctx := context.Background()
	for {
		typ, r, err := src.Reader(ctx)
		if err != nil {
			return err, nil
		}
		n, err := io.ReadFull(r, buf)
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			// The whole message fits the buffer: one frame, no extra flush.
			if err := dst.Write(ctx, typ, buf[:n]); err != nil {
				return nil, err
			}
			counter.Add(int64(n))
			continue
		case err != nil:
			return err, nil
		}
		if err := stream(ctx, dst, typ, buf, r, counter); err != nil {
			return err.read, err.write
		}
	}
}

type streamError struct{ read, write error }

// stream forwards a message larger than buf, whose first len(buf) bytes are
// already in buf, as a fragmented message.
func stream(ctx context.Context, dst *websocket.Conn, typ websocket.MessageType, buf []byte, r io.Reader, counter *atomic.Int64) *streamError {
	w, err := dst.Writer(ctx, typ)
	if err != nil {
		return &streamError{write: err}
	}
	chunk := buf
	for {
		if _, err := w.Write(chunk); err != nil {
			return &streamError{write: err}
		}
		counter.Add(int64(len(chunk)))
		n, err := io.ReadFull(r, buf)
		chunk = buf[:n]
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return &streamError{read: err}
		}
	}
	if len(chunk) > 0 {
		if _, err := w.Write(chunk); err != nil {
			return &streamError{write: err}
		}
		counter.Add(int64(len(chunk)))
	}
	if err := w.Close(); err != nil {
		return &streamError{write: err}
	}
	return nil
}

// relayClose picks the close code and reason for one side after the other
// side's connection ended with err: a peer's own close is passed through;
// otherwise the code says which side failed.
func relayClose(err error, upstreamEnded bool) (websocket.StatusCode, string) {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		switch {
		case ce.Code == websocket.StatusNoStatusRcvd:
			return websocket.StatusNormalClosure, ""
		case validCloseCode(ce.Code):
			return ce.Code, ce.Reason
		}
	}
	if upstreamEnded {
		return websocket.StatusBadGateway, "upstream connection lost"
	}
	return websocket.StatusGoingAway, "client connection lost"
}

// validCloseCode reports whether code may be sent in a close frame (RFC 6455
// §7.4: 1005, 1006 and 1015 are for reporting only).
func validCloseCode(code websocket.StatusCode) bool {
	switch code {
	case websocket.StatusNoStatusRcvd, websocket.StatusAbnormalClosure, websocket.StatusTLSHandshake, 1004:
		return false
	}
	return (code >= 1000 && code <= 1014) || (code >= 3000 && code <= 4999)
}

// truncateReason keeps a close reason within the 123 bytes a close frame
// allows.
func truncateReason(s string) string {
	const max = 123
	if len(s) <= max {
		return s
	}
	return s[:max]
}

func closeBoth(s *session, code websocket.StatusCode, reason string) {
	var wg sync.WaitGroup
	for _, c := range []*websocket.Conn{s.client, s.upstream} {
		wg.Add(1)
		go func() { defer wg.Done(); c.Close(code, reason) }()
	}
	wg.Wait()
}

// track counts a handler in flight unless the relay is shutting down.
func (rl *relay) track(n int) bool {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if rl.closing {
		return false
	}
	rl.wg.Add(n)
	return true
}

func (rl *relay) register(s *session) bool {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if rl.closing {
		return false
	}
	rl.sessions[s] = struct{}{}
	return true
}

func (rl *relay) unregister(s *session) {
	rl.mu.Lock()
	delete(rl.sessions, s)
	rl.mu.Unlock()
}

// shutdown closes every session with "going away", so browsers reconnect
// elsewhere, and waits for the handlers to return or ctx to end.
func (rl *relay) shutdown(ctx context.Context) error {
	rl.mu.Lock()
	rl.closing = true
	sessions := make([]*session, 0, len(rl.sessions))
	for s := range rl.sessions {
		sessions = append(sessions, s)
	}
	rl.mu.Unlock()
	for _, s := range sessions {
		go closeBoth(s, websocket.StatusGoingAway, "the server is shutting down")
	}
	done := make(chan struct{})
	go func() { rl.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
