// Command relayload puts the relay under load: it opens many WebSockets
// through a proxy to an echo upstream of its own, sends messages at a set
// rate and size, and reports the latency the proxy adds (against the same
// traffic sent straight to the upstream), throughput, the processor time
// the proxy spends per 1,000 messages, and its resident memory per idle
// session. With -upstream-tls the upstream is wss://, as WhatsApp is.
//
// The proxy under test can run in this process (-proxy inprocess), as a
// child process (-proxy exec:bin/proxy), or be nginx configured as a
// WebSocket reverse proxy (-proxy nginx); several, comma-separated, are
// measured in turn and compared. A proxy already running elsewhere is
// given by its ws:// URL; point its upstream at -upstream-listen and pass
// -pid to read its memory.
//
// Example, the comparison of issue 7:
//
//	relayload -proxy exec:bin/proxy,nginx -sessions 100 -size 1024 -rate 50 -rounds 3
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runMain(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "relayload:", err)
		os.Exit(1)
	}
}

func runMain(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("relayload", flag.ContinueOnError)
	proxies := fs.String("proxy", "inprocess", "comma-separated proxies to measure: inprocess, exec:PATH (e.g. exec:bin/proxy), nginx[:PATH], or the ws:// URL of a running proxy's /ws")
	pid := fs.Int("pid", 0, "with a ws:// proxy, its process id, to read its resident memory")
	origin := fs.String("origin", "", "with a ws:// proxy, the Origin to send (default: the proxy's own)")
	upstreamListen := fs.String("upstream-listen", "127.0.0.1:0", "address of the in-process echo upstream")
	upstreamTLS := fs.Bool("upstream-tls", false, "serve the echo upstream as wss://, with a certificate from a CA made for the run, which the relay (-upstream-ca) and nginx are told to trust")
	w := workload{}
	fs.IntVar(&w.sessions, "sessions", 100, "concurrent WebSocket sessions")
	fs.IntVar(&w.size, "size", 1024, "bytes per message (at least 8)")
	fs.Float64Var(&w.rate, "rate", 50, "messages per second per session; 0 leaves sessions idle after one round trip")
	fs.IntVar(&w.window, "window", 0, "if set, messages kept in flight per session, sent as fast as echoes return (throughput); overrides -rate")
	fs.DurationVar(&w.duration, "duration", 5*time.Second, "how long to send, per round and proxy")
	fs.DurationVar(&w.settle, "settle", 2*time.Second, "wait after opening the sessions before reading the proxy's memory")
	rounds := fs.Int("rounds", 1, "rounds through all proxies, interleaved so that other load on the machine hits each alike; results are pooled")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := errors.Join(w.validate(), positive("-rounds", *rounds)); err != nil {
		return err
	}

	upstream, err := startEchoUpstream(*upstreamListen, *upstreamTLS)
	if err != nil {
		return err
	}
	defer upstream.close()
	fmt.Fprintln(out, "echo upstream:", upstream.url())

	specs := strings.Split(*proxies, ",")
	if w.traffic() {
		specs = append([]string{"direct"}, specs...)
	}
	var targets []*target
	defer func() {
		for _, t := range targets {
			t.stop()
		}
	}()
	for _, spec := range specs {
		t, err := startTarget(strings.TrimSpace(spec), upstream.ref(), *pid, *origin)
		if err != nil {
			return err
		}
		targets = append(targets, t)
		if err := t.measureBase(); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: %s\n", t.name, t.url)
	}
	summaries, err := measure(ctx, targets, w, *rounds)
	if err != nil {
		return err
	}
	printSummaries(out, w, summaries)
	if seen := upstream.tlsSeen(); seen != "" {
		fmt.Fprintln(out, "upstream TLS:", seen)
	}
	if w.traffic() {
		summaries = summaries[1:] // ratios between proxies, not with the baseline
	}
	printRatios(out, summaries)
	return nil
}

func positive(name string, n int) error {
	if n < 1 {
		return fmt.Errorf("%s %d: want at least 1", name, n)
	}
	return nil
}

// measure runs w through each target, rounds times, interleaved, and
// pools each target's results. A target named "direct" is the baseline
// for the added latency.
func measure(ctx context.Context, targets []*target, w workload, rounds int) ([]*summary, error) {
	summaries := make([]*summary, len(targets))
	fleets := make([]*fleet, len(targets))
	defer func() {
		for _, f := range fleets {
			if f != nil {
				f.close()
			}
		}
	}()
	for i, t := range targets {
		summaries[i] = &summary{name: t.name, rssPerSession: -1}
		f, rssIdle, err := openFleet(ctx, t, w)
		fleets[i] = f
		if err != nil {
			return nil, err
		}
		summaries[i].rssPerSession = rssIdle
		if !w.traffic() {
			// Idle sessions only cost memory: close them before the next
			// target is measured.
			f.close()
			fleets[i] = nil
		}
	}
	if w.traffic() {
		// Each round starts with the next target, so that none always
		// follows the same one.
		results := make([][]result, len(fleets))
		for r := range rounds {
			for k := range fleets {
				i := (r + k) % len(fleets)
				res, err := fleets[i].round(ctx, w)
				if err == nil {
					err = ctx.Err()
				}
				if err != nil {
					return nil, fmt.Errorf("%s: %w", targets[i].name, err)
				}
				results[i] = append(results[i], res)
			}
		}
		for i, rs := range results {
			for _, res := range rs {
				summaries[i].add(res)
			}
		}
	}
	var direct *summary
	for _, s := range summaries {
		if s.name == "direct" {
			direct = s
			s.finish(nil)
		}
	}
	for _, s := range summaries {
		if s != direct {
			s.finish(direct)
		}
	}
	return summaries, nil
}
