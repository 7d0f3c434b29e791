//go:build race

package proxy

// rapidCycles is lower under the race detector, which makes each cycle
// several times slower; the full 10,000 run without it.
const rapidCycles = 2000
