package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"

	"github.com/coder/websocket"
)

// echoUpstream stands in for WhatsApp: it returns every message unchanged,
// as one frame, through a buffer reused per connection so that it adds as
// little as possible to what is measured.
type echoUpstream struct {
	ln  net.Listener
	srv *http.Server

	mu    sync.Mutex
	conns map[*websocket.Conn]struct{}
	done  sync.WaitGroup
}

func startEchoUpstream(addr string) (*echoUpstream, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	u := &echoUpstream{ln: ln, conns: map[*websocket.Conn]struct{}{}}
	u.srv = &http.Server{Handler: http.HandlerFunc(u.serve)}
	go u.srv.Serve(ln)
	return u, nil
}

// url is where proxies under test point their upstream.
func (u *echoUpstream) url() string { return "ws://" + u.ln.Addr().String() + "/ws/chat" }

func (u *echoUpstream) serve(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return
	}
	u.mu.Lock()
	u.conns[c] = struct{}{}
	u.done.Add(1)
	u.mu.Unlock()
	defer func() {
		c.CloseNow()
		u.mu.Lock()
		delete(u.conns, c)
		u.mu.Unlock()
		u.done.Done()
	}()
	c.SetReadLimit(-1)
	ctx := context.Background()
	var buf []byte
	for {
		typ, r, err := c.Reader(ctx)
		if err != nil {
			return
		}
		msg, err := readMessage(r, &buf)
		if err != nil {
			return
		}
		if err := c.Write(ctx, typ, msg); err != nil {
			return
		}
	}
}

// readMessage reads a whole message into *buf, growing it as needed.
func readMessage(r io.Reader, buf *[]byte) ([]byte, error) {
	n := 0
	for {
		if n == len(*buf) {
			*buf = append(*buf, make([]byte, max(4096, len(*buf)))...)
		}
		m, err := r.Read((*buf)[n:])
		n += m
		if errors.Is(err, io.EOF) {
			return (*buf)[:n], nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// close stops the upstream and drops the connections proxies left open.
func (u *echoUpstream) close() {
	u.srv.Close()
	u.mu.Lock()
	for c := range u.conns {
		c.CloseNow()
	}
	u.mu.Unlock()
	u.done.Wait()
}
