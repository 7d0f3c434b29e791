package proxy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// Byte-level WebSocket peers, for checking exactly what the relay forwards
// and for misbehaving on purpose.

// rawConn is a WebSocket connection read and written frame by frame.
type rawConn struct {
	net.Conn
	r *bufio.Reader
}

// frame encodes one frame, masked with a fixed key when masked.
func frame(fin bool, opcode byte, payload []byte, masked bool) []byte {
	b0 := opcode
	if fin {
		b0 |= 0x80
	}
	out := []byte{b0}
	var maskBit byte
	if masked {
		maskBit = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		out = append(out, maskBit|byte(n))
	case n < 1<<16:
		out = append(out, maskBit|126)
		out = binary.BigEndian.AppendUint16(out, uint16(n))
	default:
		out = append(out, maskBit|127)
		out = binary.BigEndian.AppendUint64(out, uint64(n))
	}
	if !masked {
		return append(out, payload...)
	}
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	out = append(out, key[:]...)
	for i, c := range payload {
		out = append(out, c^key[i%4])
	}
	return out
}

// readFrame reads one frame, unmasking it if needed.
func (c *rawConn) readFrame() (fin bool, opcode byte, payload []byte, err error) {
	var h [2]byte
	if _, err := io.ReadFull(c.r, h[:]); err != nil {
		return false, 0, nil, err
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(c.r, b[:]); err != nil {
			return false, 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(c.r, b[:]); err != nil {
			return false, 0, nil, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	var key [4]byte
	if h[1]&0x80 != 0 {
		if _, err := io.ReadFull(c.r, key[:]); err != nil {
			return false, 0, nil, err
		}
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(c.r, payload); err != nil {
		return false, 0, nil, err
	}
	for i := range payload {
		payload[i] ^= key[i%4]
	}
	return h[0]&0x80 != 0, h[0] & 0x0f, payload, nil
}

// readClose reads frames until a close frame and returns its code and
// reason.
func (c *rawConn) readClose() (uint16, string, error) {
	for {
		_, op, p, err := c.readFrame()
		if err != nil {
			return 0, "", err
		}
		if op == opClose {
			if len(p) < 2 {
				return 0, "", nil
			}
			return binary.BigEndian.Uint16(p), string(p[2:]), nil
		}
	}
}

// dialRaw opens the proxy's /ws as a browser would, sending extra right
// behind the handshake request, and reads the handshake response.
func dialRaw(t testing.TB, proxyURL string, extra []byte) *rawConn {
	t.Helper()
	addr := strings.TrimPrefix(proxyURL, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	req := "GET /ws HTTP/1.1\r\nHost: " + addr + "\r\nOrigin: " + proxyURL +
		"\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	if _, err := conn.Write(append([]byte(req), extra...)); err != nil {
		t.Fatal(err)
	}
	c := &rawConn{Conn: conn, r: bufio.NewReader(conn)}
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != acceptKey("dGhlIHNhbXBsZSBub25jZQ==") {
		t.Fatalf("handshake answered %s, accept %q", resp.Status, resp.Header.Get("Sec-WebSocket-Accept"))
	}
	return c
}

// newRawUpstream is an upstream that completes the WebSocket handshake and
// hands each connection to serve; it returns the upstream's ws:// URL.
func newRawUpstream(t testing.TB, serve func(*rawConn)) string {
	return newTCPUpstream(t, func(conn net.Conn) {
		c := &rawConn{Conn: conn, r: bufio.NewReader(conn)}
		req, err := http.ReadRequest(c.r)
		if err != nil {
			return
		}
		fmt.Fprintf(conn, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
			acceptKey(req.Header.Get("Sec-WebSocket-Key")))
		serve(c)
	})
}

// newTCPUpstream hands every TCP connection to serve, closing it when serve
// returns, and returns a ws:// URL for the listener. Cleanup closes the
// listener and waits for serve to return on every connection.
func newTCPUpstream(t testing.TB, serve func(net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer conn.Close()
				serve(conn)
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return "ws://" + ln.Addr().String() + "/ws/chat"
}

func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }
