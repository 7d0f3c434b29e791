package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

const bigFileSize = 16 << 20

// bigSite is the test site with web/big.bin, a file over largeDownload
// and bigger than the socket buffers between a server and a client that
// reads nothing.
func bigSite(t testing.TB) string {
	dist := writeSite(t)
	if err := os.WriteFile(filepath.Join(dist, "web", "big.bin"), make([]byte, bigFileSize), 0o644); err != nil {
		t.Fatal(err)
	}
	return dist
}

// stalledGet requests path with the extra header lines and never reads the
// response; its small receive buffer makes the server's writes block soon.
func stalledGet(t testing.TB, proxyURL, path, header string) net.Conn {
	t.Helper()
	addr := strings.TrimPrefix(proxyURL, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.(*net.TCPConn).SetReadBuffer(4096)
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", path, addr, header); err != nil {
		t.Fatal(err)
	}
	return conn
}

func TestStaticWriteDeadlineDropsAClientThatStopsReading(t *testing.T) {
	checkLeaks(t)
	const base = 300 * time.Millisecond
	// A rate so high that the size adds nothing: the deadline is the base.
	ts, srv := newTestProxy(t, Config{Dist: bigSite(t), StaticWriteTimeout: base, StaticMinRate: 1 << 40})
	start := time.Now()
	stalledGet(t, ts.URL, "/web/big.bin", "")
	eventually(t, "the download starts", func() bool { return srv.site.downloads.openDownloads() == 1 })
	// The handler gives up, and net/http closes the connection (which
	// checkLeaks sees, by its file descriptor).
	eventually(t, "the stalled download is dropped", func() bool { return srv.site.downloads.openDownloads() == 0 })
	if took := time.Since(start); took < base {
		t.Errorf("dropped after %v, before the %v deadline", took, base)
	}
}

func TestStaticWriteDeadlineScalesWithTheFile(t *testing.T) {
	checkLeaks(t)
	// 300 ms plus 16 MiB at 1 MiB/s: about 16 s for big.bin.
	ts, srv := newTestProxy(t, Config{Dist: bigSite(t), StaticWriteTimeout: 300 * time.Millisecond, StaticMinRate: 1 << 20})
	conn := stalledGet(t, ts.URL, "/web/big.bin", "")
	eventually(t, "the download starts", func() bool { return srv.site.downloads.openDownloads() == 1 })
	time.Sleep(time.Second) // well past the base deadline
	if srv.site.downloads.openDownloads() != 1 {
		t.Fatal("a large download was cut off at the base deadline, not given time for its size")
	}
	conn.Close()
	eventually(t, "the download ends with its client", func() bool { return srv.site.downloads.openDownloads() == 0 })
}

func TestStaticWriteTimeFitsTheWasmOnASlowLink(t *testing.T) {
	const slowLink = 16 << 10 // 128 kbit/s, in bytes per second
	for _, size := range []int64{5_700_000, 50_000_000} {
		need := time.Duration(float64(size) / slowLink * float64(time.Second))
		if got := staticWriteTime(DefaultStaticWriteTimeout, DefaultStaticMinRate, size); got < need {
			t.Errorf("a %d-byte download gets %v; at 128 kbit/s it needs %v", size, got, need)
		}
	}
	if got := staticWriteTime(DefaultStaticWriteTimeout, DefaultStaticMinRate, 2000); got > DefaultStaticWriteTimeout+time.Second {
		t.Errorf("a page gets %v", got)
	}
}

// A keep-alive connection that served a file, its write deadline long
// passed, then upgrades to the relay: the session must not inherit the
// deadline, and lives on past every static one.
func TestRelaySessionsHaveNoWriteDeadline(t *testing.T) {
	checkLeaks(t)
	up := newEchoUpstream(t)
	ts, _ := newTestProxy(t, Config{Upstream: up.wsURL(), StaticWriteTimeout: 100 * time.Millisecond,
		DialTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond})
	addr := strings.TrimPrefix(ts.URL, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	c := &rawConn{Conn: conn, r: bufio.NewReader(conn)}
	fmt.Fprintf(conn, "GET /index.html HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("index.html: %s", resp.Status)
	}
	time.Sleep(300 * time.Millisecond) // the static deadline has passed
	fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: %s\r\nOrigin: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", addr, ts.URL)
	resp, err = http.ReadResponse(c.r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("the upgrade on a reused connection: %s", resp.Status)
	}
	for i := range 2 {
		// Past the handshake's deadline (dial + write timeout) and more.
		time.Sleep(600 * time.Millisecond)
		msg := fmt.Appendf(nil, "hello %d", i)
		if _, err := conn.Write(frame(true, opBinary, msg, true)); err != nil {
			t.Fatal(err)
		}
		_, op, p, err := c.readFrame()
		if err != nil || op != opBinary || string(p) != string(msg) {
			t.Fatalf("echo %d: opcode %d %q, %v", i, op, p, err)
		}
	}
}

func TestLargeDownloadsAreBounded(t *testing.T) {
	checkLeaks(t)
	ts, srv := newTestProxy(t, Config{Dist: bigSite(t), MaxLargeDownloads: 2, MaxLargeDownloadsPerIP: 5})
	head := headRequest(t, ts.URL+"/web/big.bin")
	etag := head.Header.Get("ETag")
	if head.StatusCode != http.StatusOK || etag == "" {
		t.Fatalf("HEAD: %s, ETag %q", head.Status, etag)
	}
	first := stalledGet(t, ts.URL, "/web/big.bin", "")
	stalledGet(t, ts.URL, "/web/big.bin", "")
	eventually(t, "two downloads are in progress", func() bool { return srv.site.downloads.openDownloads() == 2 })

	resp, body := get(t, ts.URL+"/web/big.bin", nil)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "large downloads") {
		t.Errorf("a third large download: %s, Retry-After %q, %q; want 503 with Retry-After", resp.Status, resp.Header.Get("Retry-After"), body)
	}
	// Neither small files, nor HEADs, nor revalidations take a slot.
	if resp, _ := get(t, ts.URL+"/index.html", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("a page while downloads are full: %s", resp.Status)
	}
	if resp := headRequest(t, ts.URL+"/web/big.bin"); resp.StatusCode != http.StatusOK {
		t.Errorf("HEAD while downloads are full: %s", resp.Status)
	}
	if resp, _ := get(t, ts.URL+"/web/big.bin", map[string]string{"If-None-Match": etag}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("a revalidation while downloads are full: %s, want 304", resp.Status)
	}
	first.Close()
	eventually(t, "a slot is freed", func() bool { return srv.site.downloads.openDownloads() == 1 })
	if resp, body := get(t, ts.URL+"/web/big.bin", nil); resp.StatusCode != http.StatusOK || len(body) != bigFileSize {
		t.Errorf("a download with a slot free: %s, %d bytes", resp.Status, len(body))
	}
	if n := testutil.ToFloat64(srv.site.downloads.refused.WithLabelValues(refusedMaxDownloads)); n != 1 {
		t.Errorf("refused{max_large_downloads} = %v, want 1", n)
	}
}

func TestLargeDownloadsPerClient(t *testing.T) {
	checkLeaks(t)
	ts, srv := newTestProxy(t, Config{Dist: bigSite(t), MaxLargeDownloadsPerIP: 1, TrustedProxies: []string{"127.0.0.0/8"}})
	stalledGet(t, ts.URL, "/web/big.bin", "X-Forwarded-For: 192.0.2.1\r\n")
	eventually(t, "the download is in progress", func() bool { return srv.site.downloads.openDownloads() == 1 })
	resp, _ := get(t, ts.URL+"/web/big.bin", map[string]string{"X-Forwarded-For": "192.0.2.1"})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("the same client's second download: %s, Retry-After %q; want 429 with Retry-After", resp.Status, resp.Header.Get("Retry-After"))
	}
	if resp, body := get(t, ts.URL+"/web/big.bin", map[string]string{"X-Forwarded-For": "192.0.2.2"}); resp.StatusCode != http.StatusOK || len(body) != bigFileSize {
		t.Errorf("another client's download: %s, %d bytes", resp.Status, len(body))
	}
}

func headRequest(t *testing.T, url string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodHead, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}
