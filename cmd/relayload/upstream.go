package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/coder/websocket"
)

// echoUpstream stands in for WhatsApp: it returns every message unchanged,
// as one frame, through a buffer reused per connection so that it adds as
// little as possible to what is measured. Over TLS it is wss://, as
// WhatsApp is, with a certificate from a CA made for the run.
type echoUpstream struct {
	ln  net.Listener
	srv *http.Server
	ca  *testCA // nil for ws://
	dir string  // holds the CA's certificate

	mu    sync.Mutex
	conns map[*websocket.Conn]struct{}
	// suites counts the TLS parameters connections were made with, to
	// show that every proxy did the same work.
	suites map[string]int
	done   sync.WaitGroup
}

// upstreamRef is what a proxy under test needs to reach the upstream.
type upstreamRef struct {
	url string
	// For a wss:// upstream, the CA its certificate chains to: as a pool
	// and as a PEM file.
	roots  *x509.CertPool
	caFile string
}

func startEchoUpstream(addr string, overTLS bool) (*echoUpstream, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	u := &echoUpstream{ln: ln, conns: map[*websocket.Conn]struct{}{}, suites: map[string]int{}}
	u.srv = &http.Server{Handler: http.HandlerFunc(u.serve)}
	if !overTLS {
		go u.srv.Serve(ln)
		return u, nil
	}
	if u.dir, err = os.MkdirTemp("", "relayload-ca"); err == nil {
		u.ca, err = newTestCA(u.dir)
	}
	if err != nil {
		ln.Close()
		os.RemoveAll(u.dir)
		return nil, err
	}
	u.srv.TLSConfig = u.ca.server
	go u.srv.ServeTLS(ln, "", "")
	return u, nil
}

// url is where proxies under test point their upstream.
func (u *echoUpstream) url() string {
	scheme := "ws://"
	if u.ca != nil {
		scheme = "wss://"
	}
	return scheme + u.ln.Addr().String() + "/ws/chat"
}

func (u *echoUpstream) ref() upstreamRef {
	r := upstreamRef{url: u.url()}
	if u.ca != nil {
		r.roots, r.caFile = u.ca.roots, u.ca.caFile
	}
	return r
}

// tlsSeen says how many connections used which TLS parameters, e.g.
// "4000 × TLS 1.3 TLS_AES_128_GCM_SHA256 X25519MLKEM768"; empty for ws://.
func (u *echoUpstream) tlsSeen() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	var seen []string
	for suite, n := range u.suites {
		seen = append(seen, fmt.Sprintf("%d × %s", n, suite))
	}
	slices.Sort(seen)
	return strings.Join(seen, ", ")
}

func (u *echoUpstream) serve(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return
	}
	u.mu.Lock()
	u.conns[c] = struct{}{}
	if r.TLS != nil {
		u.suites[tls.VersionName(r.TLS.Version)+" "+tls.CipherSuiteName(r.TLS.CipherSuite)+" "+r.TLS.CurveID.String()]++
	}
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
	os.RemoveAll(u.dir)
}
