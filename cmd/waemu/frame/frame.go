// Package frame cuts WhatsApp's length-prefixed frames out of WebSocket
// messages and builds them for sending.
//
// Each frame is a 3-byte big-endian length and the payload. The client's first
// message starts with the 4-byte connection header "WA", 6, the dictionary
// version (whatsmeow socket.WAConnHeader).
package frame

import (
	"bytes"
	"errors"
	"fmt"
)

// MaxSize is the largest payload a 3-byte length can describe.
const MaxSize = 1<<24 - 1

// Header is the connection header a whatsmeow client sends once, before its
// first frame: "WA", the magic value 6 and the binary dictionary version 3.
var Header = []byte{'W', 'A', 6, 3}

// ErrHeader reports a connection that does not start with Header.
var ErrHeader = errors.New("frame: connection does not start with the WA header")

// Encode prefixes payload with its length.
func Encode(payload []byte) ([]byte, error) {
	if len(payload) > MaxSize {
		return nil, fmt.Errorf("frame: payload of %d bytes exceeds %d", len(payload), MaxSize)
	}
	n := len(payload)
	return append([]byte{byte(n >> 16), byte(n >> 8), byte(n)}, payload...), nil
}

// Reader reassembles frames from a connection's messages in order. Frames may
// span messages and one message may hold several frames. A Reader is not safe
// for concurrent use.
type Reader struct {
	buf        []byte
	headerDone bool
}

// Feed adds the next message and returns every frame it completes. After an
// error the connection is unusable.
func (r *Reader) Feed(msg []byte) ([][]byte, error) {
	r.buf = append(r.buf, msg...)
	if !r.headerDone {
		n := min(len(r.buf), len(Header))
		if !bytes.Equal(r.buf[:n], Header[:n]) {
			return nil, ErrHeader
		}
		if n < len(Header) {
			return nil, nil
		}
		r.buf = r.buf[len(Header):]
		r.headerDone = true
	}
	var frames [][]byte
	for len(r.buf) >= 3 {
		n := int(r.buf[0])<<16 | int(r.buf[1])<<8 | int(r.buf[2])
		if len(r.buf) < 3+n {
			break
		}
		frames = append(frames, bytes.Clone(r.buf[3:3+n]))
		r.buf = r.buf[3+n:]
	}
	if len(r.buf) == 0 {
		r.buf = nil // let a large message's backing array go
	}
	return frames, nil
}
