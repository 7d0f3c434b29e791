//go:build linux

// Package chromiumkill starts headless Chromium on a profile directory
// that outlives it, and kills it as a crash would: SIGKILL to the browser
// and to every process it started. Tests of what a page's storage keeps
// across a crashed browser use it (wasm/storage, cmd/app). It is test
// code: the app must not link it.
package chromiumkill

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser is a running Chromium. Ctx is its first tab, for chromedp.Run,
// and the parent of further tabs (chromedp.NewContext).
type Browser struct {
	Ctx         context.Context
	cancelAlloc context.CancelFunc
	pid         int
	stopped     bool
}

// Launch starts headless Chromium on the given profile directory, with
// extra allocator options; the test's cleanup closes it unless Kill did.
func Launch(t testing.TB, profile string, extra ...chromedp.ExecAllocatorOption) *Browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, extra...)...)
	ctx, _ := chromedp.NewContext(allocCtx)
	b := &Browser{Ctx: ctx, cancelAlloc: cancelAlloc}
	t.Cleanup(func() { b.stop(t, false) })
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	b.pid = chromedp.FromContext(ctx).Browser.Process().Pid
	return b
}

// Kill SIGKILLs the browser and every process it started, as a crash
// would (IndexedDB lives in a storage service process of its own), and
// returns once they are all gone, so that the profile is free.
func (b *Browser) Kill(t testing.TB) {
	b.stop(t, true)
}

// stop ends the browser, crashing it or closing it, and waits until all
// its processes are gone.
func (b *Browser) stop(t testing.TB, crash bool) {
	if b.stopped || b.pid == 0 {
		b.cancelAlloc()
		return
	}
	b.stopped = true
	pids := append([]int{b.pid}, descendants(b.pid)...)
	if !crash {
		ctx, cancel := context.WithTimeout(b.Ctx, 10*time.Second)
		chromedp.Cancel(ctx)
		cancel()
	}
	for _, pid := range pids {
		if isChromium(pid) { // not a recycled pid
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for alive(pid) && isChromium(pid) {
			if time.Now().After(deadline) {
				t.Errorf("Chromium process %d survived SIGKILL", pid)
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	b.cancelAlloc()
}

func isChromium(pid int) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return err == nil && strings.Contains(string(cmdline), "chromium")
}

// descendants lists the processes below pid, from /proc.
func descendants(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, ok := parentOf(p); ok {
			children[ppid] = append(children[ppid], p)
		}
	}
	var out []int
	for queue := children[pid]; len(queue) > 0; queue = queue[1:] {
		out = append(out, queue[0])
		queue = append(queue, children[queue[0]]...)
	}
	return out
}

// stat returns a process's state letter and parent from /proc/pid/stat.
func stat(pid int) (state byte, ppid int, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, false
	}
	// The command name in parentheses may hold spaces; fields follow it.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 2 {
		return 0, 0, false
	}
	ppid, err = strconv.Atoi(fields[1])
	return fields[0][0], ppid, err == nil
}

func parentOf(pid int) (int, bool) {
	_, ppid, ok := stat(pid)
	return ppid, ok
}

func alive(pid int) bool {
	state, _, ok := stat(pid)
	return ok && state != 'Z'
}
