package proxy

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// feed scans data in chunks of the given sizes the way a forwarder does,
// carrying held-back bytes over, and returns what it would forward and the
// scan that stopped it, if any.
func feed(sc *frameScanner, data []byte, chunks []int) (forwarded []byte, last scanResult) {
	var held []byte
	for len(data) > 0 {
		n := len(data)
		if len(chunks) > 0 {
			n = min(max(chunks[0], 1), n)
			chunks = chunks[1:]
		}
		held = append(held, data[:n]...)
		data = data[n:]
		last = sc.scan(held)
		forwarded = append(forwarded, held[:last.n]...)
		held = held[last.n:]
		if last.closed || last.violation != nil {
			return forwarded, last
		}
	}
	return forwarded, last
}

func closePayload(code uint16, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}

func TestFrameScannerForwardsValidStreamsAtAnySplit(t *testing.T) {
	var stream []byte
	stream = append(stream, frame(false, opBinary, bytes.Repeat([]byte{1}, 300), true)...)
	stream = append(stream, frame(true, opPing, []byte("ping"), true)...)
	stream = append(stream, frame(true, opContinuation, bytes.Repeat([]byte{2}, 70000), true)...)
	stream = append(stream, frame(true, opText, nil, true)...)
	body := stream
	stream = append(stream, frame(true, opClose, closePayload(4001, "bye"), true)...)
	stream = append(stream, "ignored after close"...)
	for split := 1; split < 400; split++ {
		sc := frameScanner{masked: true, maxMessage: 1 << 20}
		fwd, last := feed(&sc, stream, []int{split, split, 1, split})
		if !last.closed || sc.closeCode != 4001 {
			t.Fatalf("split %d: closed=%v code=%d, want the close frame 4001", split, last.closed, sc.closeCode)
		}
		if !bytes.Equal(fwd, stream[:len(body)+len(frame(true, opClose, closePayload(4001, "bye"), true))]) {
			t.Fatalf("split %d: forwarded %d bytes, want everything up to the end of the close frame", split, len(fwd))
		}
	}
}

func TestFrameScannerRefusesViolations(t *testing.T) {
	good := frame(true, opBinary, []byte("ok"), true)
	long := make([]byte, 2, 10)
	long[0], long[1] = 0x82, 0x80|127
	long = append(binary.BigEndian.AppendUint64(long, 1<<63), 1, 2, 3, 4)
	for _, tc := range []struct {
		name   string
		masked bool // frames must be masked: the scanner reads a browser
		bad    []byte
		code   uint16
	}{
		{"reserved bit", true, append([]byte{0xC2}, frame(true, opBinary, nil, true)[1:]...), closeProtocolError},
		{"unmasked from the browser", true, frame(true, opBinary, []byte("x"), false), closeProtocolError},
		{"masked from the upstream", false, frame(true, opBinary, []byte("x"), true), closeProtocolError},
		{"unknown opcode", true, frame(true, 0x3, nil, true), closeProtocolError},
		{"fragmented control", true, frame(false, opPing, nil, true), closeProtocolError},
		{"long control", true, frame(true, opPong, make([]byte, 126), true), closeProtocolError},
		{"stray continuation", true, frame(true, opContinuation, nil, true), closeProtocolError},
		{"message inside a message", true, append(frame(false, opBinary, nil, true), frame(true, opText, nil, true)...), closeProtocolError},
		{"length with the top bit", true, long, closeProtocolError},
		{"one frame too big", true, frame(true, opBinary, make([]byte, 1025), true), closeTooBig},
		{"fragments too big", true, append(frame(false, opBinary, make([]byte, 1000), true), frame(true, opContinuation, make([]byte, 25), true)...), closeTooBig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prefix := good
			if !tc.masked {
				prefix = frame(true, opBinary, []byte("ok"), false)
			}
			sc := frameScanner{masked: tc.masked, maxMessage: 1024}
			stream := append(append([]byte{}, prefix...), tc.bad...)
			fwd, last := feed(&sc, stream, nil)
			if last.violation == nil || last.violation.code != tc.code {
				t.Fatalf("got %+v, want a violation with code %d", last.violation, tc.code)
			}
			// Nothing of the offending frame goes out: for the
			// two-frame cases, the first frame is fine on its own.
			if len(fwd) < len(prefix) || len(fwd) >= len(stream) || !bytes.Equal(fwd, stream[:len(fwd)]) {
				t.Fatalf("forwarded %d of %d bytes, want the good prefix (%d) and not the bad frame", len(fwd), len(stream), len(prefix))
			}
		})
	}
}

func TestFrameScannerAllowsExactlyMaxMessage(t *testing.T) {
	sc := frameScanner{masked: false, maxMessage: 1024}
	stream := append(frame(false, opBinary, make([]byte, 1000), false), frame(true, opContinuation, make([]byte, 24), false)...)
	stream = append(stream, frame(true, opBinary, make([]byte, 1024), false)...)
	if fwd, last := feed(&sc, stream, nil); last.violation != nil || len(fwd) != len(stream) {
		t.Fatalf("messages of exactly the limit: violation %v, forwarded %d of %d", last.violation, len(fwd), len(stream))
	}
}

func TestCloseFrame(t *testing.T) {
	for _, masked := range []bool{false, true} {
		f := closeFrame(1014, "upstream unreachable", masked)
		c := &rawConn{r: bufioReader(f)}
		_, op, p, err := c.readFrame()
		if err != nil || op != opClose || binary.BigEndian.Uint16(p) != 1014 || string(p[2:]) != "upstream unreachable" {
			t.Fatalf("masked=%v: got op %d payload %q err %v", masked, op, p, err)
		}
		if got := f[1]&0x80 != 0; got != masked {
			t.Errorf("mask bit %v, want %v", got, masked)
		}
	}
	long := string(bytes.Repeat([]byte("é"), 100))
	if r := truncateReason(long); len(r) > 123 || !bytes.HasPrefix([]byte(long), []byte(r)) || r[len(r)-1] == 0xc3 {
		t.Errorf("truncateReason cut %d bytes badly: %q", len(r), r)
	}
}

// FuzzFrameScanner checks that scanning never panics, only ever forwards a
// prefix of its input, and does not depend on how the input is split into
// reads.
func FuzzFrameScanner(f *testing.F) {
	f.Add(frame(true, opBinary, []byte("hello"), true), true, uint8(3))
	f.Add(append(frame(false, opText, []byte("a"), false), frame(true, opContinuation, []byte("b"), false)...), false, uint8(1))
	f.Add(frame(true, opClose, closePayload(1000, ""), true), true, uint8(2))
	f.Add([]byte{0x82, 0xff, 0, 0, 0, 0, 0, 0, 1, 0, 1, 2, 3, 4}, true, uint8(5))
	f.Fuzz(func(t *testing.T, data []byte, masked bool, split uint8) {
		whole := frameScanner{masked: masked, maxMessage: 4096}
		fwdWhole, lastWhole := feed(&whole, data, nil)
		pieces := frameScanner{masked: masked, maxMessage: 4096}
		fwdPieces, lastPieces := feed(&pieces, data, []int{int(split), 1, int(split) / 2, 7, int(split)})
		if !bytes.HasPrefix(data, fwdWhole) {
			t.Fatal("forwarded bytes are not a prefix of the input")
		}
		stopped := func(r scanResult) bool { return r.closed || r.violation != nil }
		if stopped(lastWhole) && (!bytes.Equal(fwdWhole, fwdPieces) || lastWhole.closed != lastPieces.closed) {
			t.Fatalf("split scanning forwarded %d bytes (closed %v), whole scanning %d (closed %v)",
				len(fwdPieces), lastPieces.closed, len(fwdWhole), lastWhole.closed)
		}
		if !stopped(lastWhole) && len(data)-len(fwdWhole) > 14 {
			t.Fatalf("held back %d bytes, more than a frame header", len(data)-len(fwdWhole))
		}
	})
}
