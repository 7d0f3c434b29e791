package emulator

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/keys"
)

// BenchmarkCompanions runs the emulator as its own process, so that its
// memory can be read from /proc, and connects 200 companions (20 accounts ×
// 10 devices) that each send a keepalive every second. Then each iteration
// times one more companion's dial + handshake + login.
//
//	go test -run '^$' -bench Companions -benchtime 200x ./cmd/waemu/emulator
//
// Reported: ns/op (handshake + login), B/companion (server RSS growth per
// connected companion), ms/first-login (mean of the 200 initial logins) and
// µs/keepalive (mean keepalive round trip while the logins run).
func BenchmarkCompanions(b *testing.B) {
	const accounts, perAccount = 20, 10
	const companions = accounts * perAccount
	dir := b.TempDir()

	bin := filepath.Join(dir, "waemu")
	if out, err := exec.Command(goTool(), "build", "-o", bin, "github.com/waprivacy/waprivacy/cmd/waemu").CombinedOutput(); err != nil {
		b.Fatalf("building waemu: %v\n%s", err, out)
	}
	w := &world{accounts: map[string]*account{}, path: filepath.Join(dir, "state.json"), log: quietLogger()}
	var jids []types.JID
	var noiseKeys []*keys.KeyPair
	for i := range accounts {
		j, k := seedDevices(b, w, fmt.Sprintf("55119%08d", i), perAccount)
		jids, noiseKeys = append(jids, j...), append(noiseKeys, k...)
	}
	timedJID, timedKey := seedDevices(b, w, "5511988888888", 1)
	if err := w.writeFile(); err != nil {
		b.Fatal(err)
	}

	cmd := exec.Command(bin, "-listen", "127.0.0.1:0", "-state", w.path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "waemu listening on http://")
	if err != nil || !ok {
		b.Fatalf("ready line %q: %v", line, err)
	}

	login := func(jid types.JID, key *keys.KeyPair) *lightClient {
		lc, err := dialLight(addr, key, loginPayload(jid), 30*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := lc.next(30 * time.Second); err != nil || n.Tag != "success" {
			b.Fatalf("login %s: %v %v", jid, n, err)
		}
		return lc
	}
	login(timedJID[0], timedKey[0]).close() // warm up before the baseline
	rssBefore := readRSS(b, cmd.Process.Pid)

	clients := make([]*lightClient, companions)
	start := time.Now()
	for i := range clients {
		clients[i] = login(jids[i], noiseKeys[i])
	}
	firstLogins := time.Since(start)

	var rttSum, rtts, failures atomic.Int64
	var firstRound, running sync.WaitGroup
	stop := make(chan struct{})
	for i, lc := range clients {
		firstRound.Add(1)
		running.Go(func() {
			defer lc.close()
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for n := 0; ; n++ {
				t0 := time.Now()
				if err := lc.keepAlive(fmt.Sprintf("ka-%d-%d", i, n), 10*time.Second); err != nil {
					failures.Add(1)
				}
				rttSum.Add(int64(time.Since(t0)))
				rtts.Add(1)
				if n == 0 {
					firstRound.Done()
				}
				select {
				case <-tick.C:
				case <-stop:
					return
				}
			}
		})
	}
	firstRound.Wait()
	rssAfter := readRSS(b, cmd.Process.Pid)

	b.ResetTimer()
	for b.Loop() {
		login(timedJID[0], timedKey[0]).close()
	}
	b.StopTimer()
	close(stop)
	running.Wait()
	if f := failures.Load(); f > 0 {
		b.Fatalf("%d keepalives failed", f)
	}
	b.ReportMetric(float64(rssAfter-rssBefore)/companions, "B/companion")
	b.ReportMetric(float64(firstLogins.Milliseconds())/companions, "ms/first-login")
	b.ReportMetric(float64(rttSum.Load())/float64(rtts.Load())/1e3, "µs/keepalive")
}

// readRSS returns a process's resident set size in bytes (Linux).
func readRSS(tb testing.TB, pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Fatal(err)
	}
	for l := range bytes.Lines(data) {
		if rest, ok := bytes.CutPrefix(l, []byte("VmRSS:")); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(string(rest)), " kB"), 10, 64)
			if err != nil {
				tb.Fatal(err)
			}
			return kb << 10
		}
	}
	tb.Fatal("no VmRSS in /proc status")
	return 0
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}
