//go:build !race

package proxy

// rapidCycles is how many connect/disconnect cycles
// TestRapidConnectDisconnect makes.
const rapidCycles = 10000
