package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// percentile of sorted durations, by the nearest-rank method; 0 if none.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func median[T float64 | time.Duration](v []T) T {
	if len(v) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(v))
	return s[len(s)/2]
}

// summary is one target's results over the rounds. Other load on a shared
// machine comes in bursts that can spoil a round; each latency figure is
// therefore the median over rounds of the round's percentile, so that a
// spoiled round counts once rather than by its many slow messages, and the
// added latency is its difference from the direct baseline's. Throughput
// is the median round's. CPU time is pooled over the rounds instead: the
// kernel counts it in 10 ms ticks, too coarse for a round alone, and other
// load on the machine slows a target but does not bill it for the time.
type summary struct {
	name     string
	rounds   []roundFigures
	messages int
	failures int

	p50, p99         time.Duration
	added50, added99 time.Duration
	mibPerSecond     float64
	// cpuPer1k is the target's processor time per 1,000 messages echoed,
	// over every round; -1 if unknown.
	cpuPer1k time.Duration
	// rssPerSession is the target's resident memory per idle session, in
	// bytes, measured once its sessions were open; -1 if unknown.
	rssPerSession int64
}

type roundFigures struct {
	p50, p99     time.Duration
	mibPerSecond float64
	cpu          time.Duration // -1 if unknown
}

func (s *summary) add(r result) {
	f := roundFigures{p50: percentile(r.rtts, 50), p99: percentile(r.rtts, 99), cpu: r.cpu}
	if r.elapsed > 0 {
		f.mibPerSecond = float64(r.bytes) / r.elapsed.Seconds() / (1 << 20)
	}
	s.rounds = append(s.rounds, f)
	s.messages += len(r.rtts)
	s.failures += r.failures
}

// finish computes the figures, the added latency against direct if given.
func (s *summary) finish(direct *summary) {
	var p50, p99 []time.Duration
	var mib []float64
	var cpu time.Duration
	cpuKnown := s.messages > 0
	for _, f := range s.rounds {
		p50, p99, mib = append(p50, f.p50), append(p99, f.p99), append(mib, f.mibPerSecond)
		cpu += f.cpu
		cpuKnown = cpuKnown && f.cpu >= 0
	}
	s.p50, s.p99, s.mibPerSecond = median(p50), median(p99), median(mib)
	s.cpuPer1k = -1
	if cpuKnown {
		s.cpuPer1k = cpu * 1000 / time.Duration(s.messages)
	}
	if direct != nil {
		s.added50, s.added99 = s.p50-direct.p50, s.p99-direct.p99
	}
}

func printSummaries(out io.Writer, w workload, summaries []*summary) {
	fmt.Fprintf(out, "%d sessions, %d-byte messages, ", w.sessions, w.size)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	defer tw.Flush()
	if !w.traffic() {
		fmt.Fprintln(out, "idle")
		fmt.Fprintln(tw, "target\tRSS/session\t")
		for _, s := range summaries {
			fmt.Fprintf(tw, "%s\t%s\t\n", s.name, rssText(s))
		}
		return
	}
	if w.window > 0 {
		fmt.Fprintf(out, "%d in flight per session", w.window)
	} else {
		fmt.Fprintf(out, "%g/s per session", w.rate)
	}
	fmt.Fprintf(out, ", %d round(s) of %v; medians over rounds\n", len(summaries[0].rounds), w.duration)
	fmt.Fprintln(tw, "target\tmessages\tp50\tp99\tadded p50\tadded p99\tMiB/s\tCPU/1k msgs\tfailed\t")
	for _, s := range summaries {
		fmt.Fprintf(tw, "%s\t%d\t%v\t%v\t%v\t%v\t%.1f\t%s\t%d\t\n", s.name, s.messages,
			round(s.p50), round(s.p99), round(s.added50), round(s.added99), s.mibPerSecond, cpuText(s), s.failures)
	}
}

func cpuText(s *summary) string {
	if s.cpuPer1k < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2fms", float64(s.cpuPer1k)/float64(time.Millisecond))
}

func rssText(s *summary) string {
	if s.rssPerSession < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f KiB", float64(s.rssPerSession)/1024)
}

func round(d time.Duration) time.Duration { return d.Round(time.Microsecond) }

// printRatios compares the first target with every other.
func printRatios(out io.Writer, summaries []*summary) {
	if len(summaries) < 2 {
		return
	}
	base := summaries[0]
	for _, other := range summaries[1:] {
		var parts []string
		if other.added99 > 0 && base.messages > 0 {
			parts = append(parts, fmt.Sprintf("added p99 ×%.2f", float64(base.added99)/float64(other.added99)))
			won := 0
			for i, f := range base.rounds {
				if f.p99 <= other.rounds[i].p99 {
					won++
				}
			}
			parts = append(parts, fmt.Sprintf("p99 no higher in %d of %d rounds", won, len(base.rounds)))
		}
		if other.mibPerSecond > 0 && base.mibPerSecond > 0 {
			parts = append(parts, fmt.Sprintf("throughput ×%.2f", base.mibPerSecond/other.mibPerSecond))
		}
		if base.cpuPer1k > 0 && other.cpuPer1k > 0 {
			parts = append(parts, fmt.Sprintf("CPU/1k msgs ×%.2f", float64(base.cpuPer1k)/float64(other.cpuPer1k)))
		}
		if base.rssPerSession > 0 && other.rssPerSession > 0 {
			parts = append(parts, fmt.Sprintf("RSS/session ×%.2f", float64(base.rssPerSession)/float64(other.rssPerSession)))
		}
		fmt.Fprintf(out, "%s vs %s: %s\n", base.name, other.name, strings.Join(parts, ", "))
	}
}
