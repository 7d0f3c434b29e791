//go:build js

// Command harness is a test page's program for the storage package's
// browser tests: it drives a store in IndexedDB as the query string says
// (?mode=crash&from=N, reload, hold or quota) and reports on the console, one
// "harness:" line of JSON per event, for the test to read over DevTools.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"syscall/js"
	"time"

	"github.com/ncruces/go-sqlite3"
	"go.mau.fi/whatsmeow/store"

	"github.com/waprivacy/waprivacy/wasm/idbvfs"
	"github.com/waprivacy/waprivacy/wasm/storage"
	"github.com/waprivacy/waprivacy/wasm/storage/internal/sessiontest"
	"github.com/waprivacy/waprivacy/wasm/tablock"
)

// preKeys is the size of the session that the reload test writes.
const preKeys = 1000

func report(event string, fields map[string]any) {
	if fields == nil {
		fields = map[string]any{}
	}
	fields["event"] = event
	b, _ := json.Marshal(fields)
	js.Global().Get("console").Call("log", "harness:"+string(b))
}

func main() {
	query, _ := url.ParseQuery(js.Global().Get("location").Get("search").String()[1:])
	ctx := context.Background()
	var err error
	switch mode := query.Get("mode"); mode {
	case "crash":
		from, _ := strconv.Atoi(query.Get("from"))
		err = crash(ctx, max(from, 1))
	case "reload":
		err = reload(ctx)
	case "hold":
		err = hold(ctx)
	case "quota":
		err = quota(ctx)
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		report("error", map[string]any{"error": err.Error(), "held": errors.Is(err, tablock.ErrHeld)})
	}
	select {} // keep the store, and its tab lock, until the page goes
}

// device returns the store's device, creating it on first use.
func device(ctx context.Context, s *storage.Store) (*store.Device, error) {
	d, err := s.GetFirstDevice(ctx)
	if err != nil || d.ID != nil {
		return d, err
	}
	if _, err := sessiontest.Seed(ctx, s.Container, 0); err != nil {
		return nil, err
	}
	return s.GetFirstDevice(ctx)
}

// rows is how many sessions transaction seq writes: mostly a few, and
// every twentieth many, to span several pages.
func rows(seq int) int {
	if seq%20 == 0 {
		return 60
	}
	return 1 + seq%4
}

// session is the deterministic content of row k of transaction seq.
func session(seq, k int) []byte {
	var b bytes.Buffer
	seed := sha256.Sum256(binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, uint64(seq)), uint64(k)))
	for b.Len() < 100+(seq*31+k*17)%700 {
		b.Write(seed[:])
		seed = sha256.Sum256(seed[:])
	}
	return b.Bytes()
}

func address(seq, k int) string {
	return fmt.Sprintf("seq-%d-%d", seq, k)
}

// present counts the rows of transactions first to first+n-1 that are in
// the store, checking their bytes.
func present(ctx context.Context, d *store.Device, first, n int) ([]int, error) {
	var addresses []string
	for seq := first; seq < first+n; seq++ {
		for k := range rows(seq) {
			addresses = append(addresses, address(seq, k))
		}
	}
	got, err := d.Sessions.GetManySessions(ctx, addresses)
	if err != nil {
		return nil, err
	}
	counts := make([]int, n)
	for i := range counts {
		seq := first + i
		for k := range rows(seq) {
			if b := got[address(seq, k)]; b != nil {
				if !bytes.Equal(b, session(seq, k)) {
					return nil, fmt.Errorf("session %s holds the wrong bytes", address(seq, k))
				}
				counts[i]++
			}
		}
	}
	return counts, nil
}

// crash checks what earlier runs committed, from transaction from on
// (those before were checked by earlier runs), then commits transactions
// until the test kills the browser, reporting each one once committed.
func crash(ctx context.Context, from int) error {
	s, err := storage.Open(ctx, "crash")
	if err != nil {
		return err
	}
	d, err := device(ctx, s)
	if err != nil {
		return err
	}
	// Find the first missing transaction; those before must be whole.
	next := from
	for {
		counts, err := present(ctx, d, next, 50)
		if err != nil {
			return err
		}
		i := 0
		for i < len(counts) && counts[i] == rows(next+i) {
			i++
		}
		next += i
		if i == len(counts) {
			continue
		}
		if counts[i] != 0 {
			return fmt.Errorf("transaction %d is torn: %d of its %d rows", next, counts[i], rows(next))
		}
		break
	}
	// Nothing may follow it.
	after, err := present(ctx, d, next+1, 50)
	if err != nil {
		return err
	}
	for i, n := range after {
		if n != 0 {
			return fmt.Errorf("transaction %d is present but %d is missing", next+1+i, next)
		}
	}
	integrity := "ok"
	if err := s.Check(ctx); err != nil {
		integrity = err.Error()
	}
	report("verified", map[string]any{"next": next, "integrity": integrity})

	for seq := next; ; seq++ {
		err := d.EventBuffer.DoDecryptionTxn(ctx, func(ctx context.Context) error {
			for k := range rows(seq) {
				if err := d.Sessions.PutSession(ctx, address(seq, k), session(seq, k)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("transaction %d: %w", seq, err)
		}
		report("committed", map[string]any{"seq": seq})
	}
}

// reload writes a session of preKeys pre-keys on the first visit and
// leaves it open, as a page that is then reloaded would; on the next visit
// it reads the session back.
func reload(ctx context.Context) error {
	start := time.Now()
	s, err := storage.Open(ctx, "reload")
	if err != nil {
		return err
	}
	d, err := s.GetFirstDevice(ctx)
	if err != nil {
		return err
	}
	opened := time.Since(start)
	if d.ID == nil {
		fingerprint, err := sessiontest.Seed(ctx, s.Container, preKeys)
		if err != nil {
			return err
		}
		report("seeded", map[string]any{"fingerprint": fingerprint})
		return nil
	}
	fingerprint, err := sessiontest.Fingerprint(ctx, s.Container, preKeys)
	if err != nil {
		return err
	}
	report("read", map[string]any{"fingerprint": fingerprint, "openMs": opened.Milliseconds()})
	return nil
}

// hold opens a store and keeps it while the page lives.
func hold(ctx context.Context) error {
	if _, err := storage.Open(ctx, "tabs"); err != nil {
		return err
	}
	report("opened", nil)
	return nil
}

// quota writes until the browser's quota (lowered by the test) runs out,
// then reports how the failure surfaced and what the store kept.
func quota(ctx context.Context) error {
	s, err := storage.Open(ctx, "quota")
	if err != nil {
		return err
	}
	d, err := device(ctx, s)
	if err != nil {
		return err
	}
	// Random bytes, since IndexedDB compresses what it stores.
	big := make([]byte, 256<<10)
	committed := 0
	var failed error
	for committed < 400 && failed == nil {
		rand.Read(big)
		if failed = d.Sessions.PutSession(ctx, address(committed, 0), big); failed == nil {
			committed++
		}
	}
	var reported error
	select {
	case reported = <-s.Failures():
	case <-time.After(time.Second):
	}
	present := 0
	for i := range committed {
		if got, err := d.Sessions.GetSession(ctx, address(i, 0)); err == nil && got != nil {
			present++
		}
	}
	integrity := "ok"
	if err := s.Check(ctx); err != nil {
		integrity = err.Error()
	}
	report("quota", map[string]any{
		"committed": committed,
		"present":   present,
		"error":     fmt.Sprint(failed),
		"full":      errors.Is(failed, sqlite3.FULL),
		"reported":  errors.Is(reported, idbvfs.ErrFull),
		"integrity": integrity,
	})
	return nil
}
