package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/waprivacy/waprivacy/proxy"
)

// target is a way to reach the echo upstream: directly, or through a proxy
// under test.
type target struct {
	name   string
	url    string // the WebSocket URL to dial
	origin string // the Origin to send
	// client makes the WebSocket handshake; nil for http.DefaultClient.
	client *http.Client
	// pids are the processes whose resident memory is the target's, nil if
	// it cannot be told apart from this process.
	pids func() []int
	// baseRSS is the resident memory of pids before any session.
	baseRSS int64
	stop    func() error
}

// startTarget starts or finds the target spec names (see the -proxy flag),
// relaying to upstream.
func startTarget(spec string, upstream upstreamRef, pid int, origin string) (*target, error) {
	switch {
	case spec == "direct":
		t := &target{name: spec, url: upstream.url, origin: "https://web.whatsapp.com", stop: func() error { return nil }}
		if upstream.roots != nil {
			t.client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: upstream.roots}}}
		}
		return t, nil
	case spec == "inprocess":
		return startInProcess(upstream)
	case strings.HasPrefix(spec, "exec:"):
		return startExec(strings.TrimPrefix(spec, "exec:"), upstream)
	case spec == "nginx" || strings.HasPrefix(spec, "nginx:"):
		return startNginx(strings.TrimPrefix(strings.TrimPrefix(spec, "nginx"), ":"), upstream)
	case strings.HasPrefix(spec, "ws://") || strings.HasPrefix(spec, "wss://"):
		u, err := url.Parse(spec)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("proxy %q: not a WebSocket URL", spec)
		}
		if origin == "" {
			origin = "http" + strings.TrimPrefix(u.Scheme, "ws") + "://" + u.Host
		}
		t := &target{name: spec, url: spec, origin: origin, stop: func() error { return nil }}
		if pid > 0 {
			t.pids = func() []int { return []int{pid} }
		}
		return t, nil
	}
	return nil, fmt.Errorf("proxy %q: want inprocess, exec:PATH, nginx[:PATH], direct or a ws:// URL", spec)
}

// relayLimits lift the proxy's per-client limits, since every load session
// comes from 127.0.0.1.
var relayLimits = proxy.Config{MaxConns: 1 << 20, MaxConnsPerIP: 1 << 20, ConnRate: 1e9, ConnBurst: 1 << 30, DialRate: 1e9, DialBurst: 1 << 30}

func startInProcess(upstream upstreamRef) (*target, error) {
	dist, err := siteDir()
	if err != nil {
		return nil, err
	}
	cfg := relayLimits
	cfg.Dist, cfg.Upstream, cfg.UpstreamRootCAs = dist, upstream.url, upstream.roots
	srv, err := proxy.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()
	return &target{
		name: "inprocess", url: "ws" + strings.TrimPrefix(base, "http") + "/ws", origin: base,
		stop: func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return errors.Join(srv.Shutdown(ctx), os.RemoveAll(dist))
		},
	}, nil
}

// siteDir makes the smallest static site the proxy accepts.
func siteDir() (string, error) {
	dir, err := os.MkdirTemp("", "relayload-site")
	if err != nil {
		return "", err
	}
	return dir, os.WriteFile(dir+"/index.html", []byte("<!doctype html>"), 0o644)
}

// startExec runs the proxy binary at path as a child process, relaying to
// upstream, and finds its address in its first log line.
func startExec(path string, upstream upstreamRef) (*target, error) {
	dist, err := siteDir()
	if err != nil {
		return nil, err
	}
	args := []string{"-listen", "127.0.0.1:0", "-dist", dist, "-upstream", upstream.url, "-log-format", "json",
		"-max-conns", strconv.Itoa(relayLimits.MaxConns), "-max-conns-per-ip", strconv.Itoa(relayLimits.MaxConnsPerIP),
		"-conn-rate", strconv.FormatFloat(relayLimits.ConnRate, 'g', -1, 64), "-conn-burst", strconv.Itoa(relayLimits.ConnBurst),
		"-dial-rate", strconv.FormatFloat(relayLimits.DialRate, 'g', -1, 64), "-dial-burst", strconv.Itoa(relayLimits.DialBurst)}
	if upstream.caFile != "" {
		args = append(args, "-upstream-ca", upstream.caFile)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = cleanEnv()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", path, err)
	}
	stop := func() error {
		cmd.Process.Signal(os.Interrupt)
		err := cmd.Wait()
		return errors.Join(err, os.RemoveAll(dist))
	}
	base, err := listenURL(stderr)
	if err != nil {
		stop()
		return nil, fmt.Errorf("%s did not start: %w", path, err)
	}
	pid := cmd.Process.Pid
	return &target{
		name: "exec:" + path, url: "ws" + strings.TrimPrefix(base, "http") + "/ws", origin: base,
		pids: func() []int { return []int{pid} }, stop: stop,
	}, nil
}

// cleanEnv is this process's environment without WAPRIVACY_ settings,
// which would change the proxy under test.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WAPRIVACY_") {
			env = append(env, kv)
		}
	}
	return env
}

// listenURL reads the proxy's JSON log until its "proxy listening" line,
// then keeps draining the log so the proxy never blocks writing it.
func listenURL(stderr io.Reader) (string, error) {
	lines := bufio.NewScanner(stderr)
	var seen []string
	for lines.Scan() {
		var entry struct{ Msg, URL string }
		if json.Unmarshal(lines.Bytes(), &entry) == nil && entry.Msg == "proxy listening" {
			go io.Copy(io.Discard, stderr)
			return entry.URL, nil
		}
		seen = append(seen, lines.Text())
	}
	return "", fmt.Errorf("no listening line in its log: %s", strings.Join(seen, "\n"))
}

// rss is the resident memory of pids, in bytes, from /proc.
func rss(pids []int) (int64, error) {
	var total int64
	for _, pid := range pids {
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return 0, err
		}
		for line := range strings.Lines(string(status)) {
			if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				if err != nil {
					return 0, fmt.Errorf("pid %d: VmRSS %q: %w", pid, rest, err)
				}
				total += kb << 10
			}
		}
	}
	return total, nil
}

// stat is /proc/PID/stat from its third field on, the process's state:
// the second field, its command name, is in parentheses and may contain
// spaces. Of what follows, the second is the parent's pid and the 12th
// and 13th the user and system time.
func stat(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(fields) < 13 {
		return nil, fmt.Errorf("pid %d: /proc/%d/stat has %d fields after the name, want at least 13", pid, pid, len(fields))
	}
	return fields, nil
}

// clockTick is the unit of the times in /proc/PID/stat, USER_HZ, which is
// 100 on every architecture Go runs Linux on.
const clockTick = 10 * time.Millisecond

// cpuTime is the processor time pids have used so far, user and system,
// all their threads together.
func cpuTime(pids []int) (time.Duration, error) {
	var total time.Duration
	for _, pid := range pids {
		fields, err := stat(pid)
		if err != nil {
			return 0, err
		}
		for _, f := range fields[11:13] {
			ticks, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("pid %d: CPU time %q: %w", pid, f, err)
			}
			total += time.Duration(ticks) * clockTick
		}
	}
	return total, nil
}

// measureBase records the target's resident memory before any session, so
// that every round's figure includes what earlier rounds left allocated.
func (t *target) measureBase() error {
	if t.pids == nil {
		return nil
	}
	var err error
	t.baseRSS, err = rss(t.pids())
	return err
}
