package emulator_test

import (
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types/events"
)

func TestLatencyIsOneWayAndDoesNotSerialise(t *testing.T) {
	e := newEnv(t)
	cli, _ := e.pairQR(t, "5511900007777")
	const latency = 150 * time.Millisecond
	e.Control(t, "POST", "/control/faults", map[string]any{"latencyMs": latency.Milliseconds()}, http.StatusOK, nil)

	start := time.Now()
	if _, err := rawIQ(cli, "w:p", "get"); err != nil {
		t.Fatal(err)
	}
	if rtt := time.Since(start); rtt < 2*latency {
		t.Fatalf("round trip %s, want at least 2 × %s", rtt, latency)
	}

	// Eight IQs sent together come back together: about one round trip, not eight.
	const n = 8
	start = time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := rawIQ(cli, "w:p", "get")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(start); took < 2*latency || took > 4*latency {
		t.Fatalf("%d concurrent IQs took %s, want about one round trip (%s)", n, took, 2*latency)
	}

	e.Control(t, "DELETE", "/control/faults", nil, http.StatusOK, nil)
	start = time.Now()
	if _, err := rawIQ(cli, "w:p", "get"); err != nil {
		t.Fatal(err)
	}
	if rtt := time.Since(start); rtt >= 2*latency {
		t.Fatalf("round trip %s after clearing the latency", rtt)
	}
}

func TestFailIQAfterAndCount(t *testing.T) {
	e := newEnv(t)
	cli, _ := e.pairQR(t, "5511900008888")
	e.Control(t, "POST", "/control/faults", map[string]any{
		"failIq": map[string]int{"privacy": 500}, "failIqAfter": 1, "failIqCount": 2,
	}, http.StatusOK, nil)

	fetch := func() error {
		_, err := cli.TryFetchPrivacySettings(ctxT(t), true)
		return err
	}
	// One success, two failures, then success again.
	want := []error{nil, whatsmeow.ErrIQInternalServerError, whatsmeow.ErrIQInternalServerError, nil, nil}
	for i, w := range want {
		if err := fetch(); (w == nil) != (err == nil) || (w != nil && !errors.Is(err, w)) {
			t.Fatalf("privacy IQ %d: err = %v, want %v", i+1, err, w)
		}
	}
	// Other namespaces are untouched.
	if _, err := cli.GetBlocklist(ctxT(t)); err != nil {
		t.Fatal(err)
	}

	// failIqCount 0 fails all the rest, until the faults are cleared.
	e.Control(t, "POST", "/control/faults", map[string]any{"failIq": map[string]int{"blocklist": 503}}, http.StatusOK, nil)
	for range 3 {
		if _, err := cli.GetBlocklist(ctxT(t)); !errors.Is(err, whatsmeow.ErrIQServiceUnavailable) {
			t.Fatalf("err = %v, want 503", err)
		}
	}
	e.Control(t, "DELETE", "/control/faults", nil, http.StatusOK, nil)
	if _, err := cli.GetBlocklist(ctxT(t)); err != nil {
		t.Fatalf("after clearing: %v", err)
	}
}

func TestDropAfter(t *testing.T) {
	e := newEnv(t)
	cli, rec := e.pairQR(t, "5511900009999")
	const drop = 300 * time.Millisecond
	set := time.Now()
	e.Control(t, "POST", "/control/faults", map[string]any{"dropAfterMs": drop.Milliseconds()}, http.StatusOK, nil)
	waitFor[*events.Disconnected](t, rec)
	if since := time.Since(set); since < drop {
		t.Fatalf("dropped after %s, want at least %s", since, drop)
	}
	// whatsmeow reconnects by itself; the new connection is cut as well.
	waitFor[*events.Connected](t, rec)
	waitFor[*events.Disconnected](t, rec)

	e.Control(t, "DELETE", "/control/faults", nil, http.StatusOK, nil)
	waitFor[*events.Connected](t, rec)
	// With the fault cleared the connection outlives several drop periods.
	deadline := time.After(4 * drop)
	for {
		select {
		case evt := <-rec.ch:
			if _, ok := evt.(*events.Disconnected); ok {
				t.Fatal("dropped again after clearing the faults")
			}
		case <-deadline:
			if !cli.IsLoggedIn() {
				t.Fatal("not logged in")
			}
			return
		}
	}
}

func TestFaultValidation(t *testing.T) {
	e := newEnv(t)
	for _, body := range []any{
		map[string]any{"latencyMs": -1},
		map[string]any{"dropAfterMs": 1e9},
		map[string]any{"failIq": map[string]int{"privacy": 200}},
		map[string]any{"failIq": map[string]int{"": 500}},
		map[string]any{"failIqCount": -2},
		map[string]any{"latency": 25},
		"[]",
		"{\"latencyMs\": 5} {}",
	} {
		e.Control(t, "POST", "/control/faults", body, http.StatusBadRequest, nil)
	}
	var got map[string]any
	e.Control(t, "POST", "/control/faults", map[string]any{"latencyMs": 25, "failIq": map[string]int{"privacy": 500}}, http.StatusOK, &got)
	if got["latencyMs"] != 25.0 {
		t.Fatalf("reply %v", got)
	}
}
