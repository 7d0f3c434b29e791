package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// logBuffer collects a server's log lines for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }

func refusedCount(srv *Server, reason refusal) float64 {
	return testutil.ToFloat64(srv.relay.metrics.refused.WithLabelValues(string(reason)))
}

func endedCount(srv *Server, reason endReason) float64 {
	return testutil.ToFloat64(srv.relay.metrics.ended.WithLabelValues(string(reason)))
}

// waitEnded waits until n sessions have ended for reason.
func waitEnded(t testing.TB, srv *Server, reason endReason, n float64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for endedCount(srv, reason) < n {
		if time.Now().After(deadline) {
			// Say how the sessions did end, so a wrong reason is told from a hang.
			var ended []string
			for _, r := range endReasons {
				ended = append(ended, fmt.Sprintf("%s=%v", r, endedCount(srv, r)))
			}
			t.Fatalf("timed out waiting until %v sessions end for %s; ended: %s", n, reason, strings.Join(ended, " "))
		}
		time.Sleep(time.Millisecond)
	}
	if got := endedCount(srv, reason); got != n {
		t.Fatalf("%v sessions ended for %s, want %v", got, reason, n)
	}
}

// roundTrip sends msg and checks that the echo upstream returns it.
func roundTrip(t testing.TB, c *websocket.Conn, msg []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageBinary, msg); err != nil {
		t.Fatalf("write: %v", err)
	}
	_, got, err := c.Read(ctx)
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("echo of %d bytes: got %d, err %v", len(msg), len(got), err)
	}
}

// closeStatus reads from c until it is closed and returns how.
func closeStatus(t testing.TB, c *websocket.Conn) websocket.CloseError {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("connection ended without a close frame: %v", err)
		}
		return ce
	}
}
