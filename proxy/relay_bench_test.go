package proxy

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// BenchmarkRelay measures what the relay adds to a message's round trip to
// an echo upstream, for WhatsApp-sized (1 KiB) and media-sized (64 KiB)
// messages. Each run times the same number of round trips straight to the
// upstream and through the relay, and reports the difference per message
// and the extra allocations per message, so the figures come from one run
// on the same machine.
func BenchmarkRelay(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10} {
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			up := newEchoUpstream(b)
			ts, _ := newTestProxy(b, Config{Upstream: up.wsURL()})
			direct := dialBench(b, up.wsURL(), up.URL)
			relayed := dialBench(b, "ws"+strings.TrimPrefix(ts.URL, "http")+"/ws", ts.URL)
			msg := make([]byte, size)

			b.ReportAllocs()
			b.SetBytes(int64(size))
			b.ResetTimer()
			directTime, directAllocs := roundTrips(b, direct, msg)
			relayTime, relayAllocs := roundTrips(b, relayed, msg)
			n := float64(b.N)
			b.ReportMetric(float64(directTime.Nanoseconds())/n, "direct-ns/msg")
			b.ReportMetric(float64(relayTime.Nanoseconds())/n, "relayed-ns/msg")
			b.ReportMetric(float64((relayTime-directTime).Nanoseconds())/n, "added-ns/msg")
			b.ReportMetric(float64(int64(relayAllocs)-int64(directAllocs))/n, "added-allocs/msg")
		})
	}
}

func dialBench(b *testing.B, url, origin string) *websocket.Conn {
	c, _, err := websocket.Dial(context.Background(), url, &websocket.DialOptions{
		HTTPHeader: map[string][]string{"Origin": {origin}},
	})
	if err != nil {
		b.Fatal(err)
	}
	c.SetReadLimit(maxWhatsAppMessage)
	b.Cleanup(func() { c.CloseNow() })
	return c
}

// roundTrips sends msg b.N times, each time waiting for its echo, and
// returns the time taken and the allocations the whole process made.
func roundTrips(b *testing.B, c *websocket.Conn, msg []byte) (time.Duration, uint64) {
	ctx := context.Background()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for range b.N {
		if err := c.Write(ctx, websocket.MessageBinary, msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.Read(ctx); err != nil {
			b.Fatal(err)
		}
	}
	d := time.Since(start)
	runtime.ReadMemStats(&after)
	return d, after.Mallocs - before.Mallocs
}
