package proxy

import (
	"crypto/rand"
	"encoding/binary"
)

// The relay forwards WebSocket frames (RFC 6455 §5) byte for byte instead
// of decoding and re-encoding messages: the browser's frames reach the
// upstream still masked with the browser's own key, which is as valid for
// the upstream as a key of ours and as unpredictable to the page, and the
// upstream's unmasked frames are what a browser expects. So message
// boundaries, fragmentation, pings and close frames all pass through
// unchanged, and the relay only reads frame headers to enforce the
// protocol and the message size limit.

// Opcodes (RFC 6455 §5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// Close codes the relay sends itself (RFC 6455 §7.4.1).
const (
	closeGoingAway     = 1001
	closeProtocolError = 1002
	closeTooBig        = 1009
	closeBadGateway    = 1014
)

// maxControlPayload is the largest control frame payload (RFC 6455 §5.5).
const maxControlPayload = 125

// violation is a frame the relay refuses to forward, with the close code
// and reason for the peer that sent it.
type violation struct {
	code   uint16
	reason string
}

// frameScanner follows the frames of one direction's byte stream. It never
// copies or changes payload; it tells the forwarder how much of the bytes
// read so far may be passed on.
type frameScanner struct {
	// masked is whether frames in this direction must be masked: those from
	// the browser must, those from the upstream must not (RFC 6455 §5.1).
	masked     bool
	maxMessage int64

	remaining   int64 // payload bytes of the current frame still to come
	fragmented  bool  // a data message is open: a frame without FIN began it
	messageSize int64 // payload of the open or last data message so far

	// The payload of a close frame is gathered to learn its status code.
	inClose  bool
	closeKey [4]byte
	closeBuf [maxControlPayload]byte
	closeLen int
	// closeCode is the status code of the close frame seen, 0 if none or
	// if it carried none.
	closeCode uint16
}

// scanResult says what the forwarder may do with the bytes it scanned.
type scanResult struct {
	// n bytes may be forwarded. Bytes after them are the start of a frame
	// header still incomplete, or follow a close frame or a violation.
	n int
	// closed says p[:n] ends with a whole close frame: the sender will send
	// nothing more.
	closed bool
	// violation, if not nil, is why the frame starting at p[n] must not be
	// forwarded.
	violation *violation
}

// scan follows p, which starts where the last scan's forwarded bytes ended.
// A frame header is only accepted once complete, so bytes held back never
// include half of one that was already forwarded.
func (f *frameScanner) scan(p []byte) scanResult {
	i := 0
	for i < len(p) {
		if f.remaining > 0 {
			k := int(min(int64(len(p)-i), f.remaining))
			if f.inClose {
				f.gatherClose(p[i : i+k])
			}
			i += k
			f.remaining -= int64(k)
			if f.remaining == 0 && f.inClose {
				f.endClose()
				return scanResult{n: i, closed: true}
			}
			continue
		}
		size, v := f.header(p[i:])
		if v != nil {
			return scanResult{n: i, violation: v}
		}
		if size == 0 {
			break // incomplete header
		}
		i += size
		if f.inClose && f.remaining == 0 {
			f.endClose()
			return scanResult{n: i, closed: true}
		}
	}
	return scanResult{n: i}
}

// midFrame reports whether the stream scanned so far ends inside a frame's
// payload, so more bytes are owed.
func (f *frameScanner) midFrame() bool { return f.remaining > 0 }

// header parses and checks the frame header at the start of p, returning
// its size, or 0 if p does not hold all of it yet.
func (f *frameScanner) header(p []byte) (int, *violation) {
	if len(p) < 2 {
		return 0, nil
	}
	b0, b1 := p[0], p[1]
	size := 2
	switch b1 & 0x7f {
	case 126:
		size += 2
	case 127:
		size += 8
	}
	masked := b1&0x80 != 0
	if masked {
		size += 4
	}
	if len(p) < size {
		return 0, nil
	}
	fin, opcode := b0&0x80 != 0, b0&0x0f
	length := int64(b1 & 0x7f)
	switch length {
	case 126:
		length = int64(binary.BigEndian.Uint16(p[2:]))
	case 127:
		u := binary.BigEndian.Uint64(p[2:])
		if u>>63 != 0 {
			return 0, &violation{closeProtocolError, "frame length out of range"}
		}
		length = int64(u)
	}
	switch {
	case b0&0x70 != 0:
		// No extension was negotiated, so no reserved bit may be set.
		return 0, &violation{closeProtocolError, "reserved bits set"}
	case masked != f.masked && f.masked:
		return 0, &violation{closeProtocolError, "unmasked frame from a client"}
	case masked != f.masked:
		return 0, &violation{closeProtocolError, "masked frame from a server"}
	}
	switch opcode {
	case opClose, opPing, opPong:
		if !fin || length > maxControlPayload {
			return 0, &violation{closeProtocolError, "fragmented or oversized control frame"}
		}
	case opText, opBinary:
		if f.fragmented {
			return 0, &violation{closeProtocolError, "new message inside a fragmented one"}
		}
		f.messageSize = 0
	case opContinuation:
		if !f.fragmented {
			return 0, &violation{closeProtocolError, "continuation without a message"}
		}
	default:
		return 0, &violation{closeProtocolError, "unknown opcode"}
	}
	if opcode < opClose {
		if length > f.maxMessage-f.messageSize {
			return 0, &violation{closeTooBig, "message too big"}
		}
		f.messageSize += length
		f.fragmented = !fin
	}
	f.remaining = length
	if opcode == opClose {
		f.inClose = true
		f.closeLen = 0
		f.closeKey = [4]byte{}
		if masked {
			copy(f.closeKey[:], p[size-4:size])
		}
	}
	return size, nil
}

func (f *frameScanner) gatherClose(p []byte) {
	for _, b := range p {
		f.closeBuf[f.closeLen] = b ^ f.closeKey[f.closeLen%4]
		f.closeLen++
	}
}

func (f *frameScanner) endClose() {
	f.inClose = false
	if f.closeLen >= 2 {
		f.closeCode = binary.BigEndian.Uint16(f.closeBuf[:2])
	}
}

// closeFrame builds a close frame with code and reason, masked when it is
// for the upstream.
func closeFrame(code uint16, reason string, masked bool) []byte {
	reason = truncateReason(reason)
	payload := make([]byte, 2+len(reason))
	binary.BigEndian.PutUint16(payload, code)
	copy(payload[2:], reason)
	frame := []byte{0x80 | opClose, byte(len(payload))}
	if !masked {
		return append(frame, payload...)
	}
	var key [4]byte
	rand.Read(key[:])
	frame[1] |= 0x80
	frame = append(frame, key[:]...)
	for i, b := range payload {
		frame = append(frame, b^key[i%4])
	}
	return frame
}

// truncateReason keeps a close reason within the 123 bytes a close frame
// allows, without splitting a UTF-8 sequence.
func truncateReason(s string) string {
	const max = maxControlPayload - 2
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && s[cut]&0xc0 == 0x80 {
		cut--
	}
	return s[:cut]
}
