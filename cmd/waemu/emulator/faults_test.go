package emulator_test

import (
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
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
		map[string]any{"staleReads": -1},
		map[string]any{"staleReads": 1e6},
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

// staleReads: after a connection's write, its reads answer from before that
// write while the count lasts, one unit per read IQ; the write itself is
// applied and acknowledged, and other connections read the live account.
func TestStaleReadsOvertakeTheLatestWrite(t *testing.T) {
	e := newEnv(t)
	const phone = "5511900006666"
	cli, _ := e.pairQR(t, phone)
	other, _ := e.pairQR(t, phone)
	receipts := func(c *whatsmeow.Client) types.PrivacySetting {
		t.Helper()
		ps, err := c.TryFetchPrivacySettings(ctxT(t), true)
		if err != nil {
			t.Fatal(err)
		}
		return ps.ReadReceipts
	}
	blocked := func() []types.JID {
		t.Helper()
		bl, err := cli.GetBlocklist(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		return bl.JIDs
	}
	timer := func() string {
		t.Helper()
		resp, err := rawIQ(cli, "disappearing_mode", "get")
		if err != nil {
			t.Fatal(err)
		}
		dm := resp.GetChildByTag("disappearing_mode")
		return dm.AttrGetter().String("duration")
	}

	var echo map[string]any
	e.Control(t, "POST", "/control/faults", map[string]any{"staleReads": 3}, http.StatusOK, &echo)
	if echo["staleReads"] != 3.0 {
		t.Fatalf("reply %v", echo)
	}
	// No write on this connection yet: the read is live and costs nothing.
	if got := receipts(cli); got != types.PrivacySettingAll {
		t.Fatalf("before any write: %s", got)
	}

	ps, err := cli.SetPrivacySetting(ctxT(t), types.PrivacySettingTypeReadReceipts, types.PrivacySettingNone)
	if err != nil || ps.ReadReceipts != types.PrivacySettingNone {
		t.Fatalf("set: %+v, %v", ps, err)
	}
	if acc := e.Account(t, phone); acc.Privacy["readreceipts"] != "none" {
		t.Fatalf("the write was not applied: %v", acc.Privacy)
	}
	if got := receipts(cli); got != types.PrivacySettingAll { // unit 1
		t.Fatalf("read behind the write: %s, want the old value all", got)
	}
	// Another connection made no write: it reads the live account.
	if got := receipts(other); got != types.PrivacySettingNone {
		t.Fatalf("other connection: %s", got)
	}

	// Reads miss only the latest write: the block, not the earlier privacy set.
	a := phoneJID("5511987650001")
	lidA := e.LID(t, a.User)
	if bl, err := cli.UpdateBlocklist(ctxT(t), a, events.BlocklistChangeActionBlock); err != nil || !slices.Equal(bl.JIDs, []types.JID{lidA}) {
		t.Fatalf("block: %+v, %v", bl, err)
	}
	if got := blocked(); len(got) != 0 { // unit 2
		t.Fatalf("blocklist behind the block: %v, want empty", got)
	}
	if got := receipts(cli); got != types.PrivacySettingNone { // unit 3
		t.Fatalf("privacy behind the block: %s, want none", got)
	}

	// The count is spent: reads are live again.
	if got := blocked(); !slices.Equal(got, []types.JID{lidA}) {
		t.Fatalf("after the fault: %v", got)
	}
	if got := receipts(cli); got != types.PrivacySettingNone {
		t.Fatalf("after the fault: %s", got)
	}

	// A new configuration does not serve a snapshot kept under the old one.
	e.Control(t, "POST", "/control/faults", map[string]any{"staleReads": 1}, http.StatusOK, nil)
	if got := blocked(); !slices.Equal(got, []types.JID{lidA}) {
		t.Fatalf("old snapshot served: %v", got)
	}
	if err := cli.SetDefaultDisappearingTimer(ctxT(t), 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := timer(); got != "0" {
		t.Fatalf("timer behind the write: %s, want 0", got)
	}
	if got := timer(); got != "86400" {
		t.Fatalf("timer after the fault: %s", got)
	}

	// Cleared: a read right behind a write sees it.
	e.Control(t, "DELETE", "/control/faults", nil, http.StatusOK, nil)
	if _, err := cli.SetPrivacySetting(ctxT(t), types.PrivacySettingTypeReadReceipts, types.PrivacySettingAll); err != nil {
		t.Fatal(err)
	}
	if got := receipts(cli); got != types.PrivacySettingAll {
		t.Fatalf("after clearing: %s", got)
	}
}

// cutAfterIq: the N-th IQ of the namespace is applied and its answer never
// leaves; the connection ends there and the IQs behind it are not applied.
func TestCutAfterTheNthIQ(t *testing.T) {
	e := newEnv(t)
	const phone = "5511900005555"
	cli, rec := e.pairQR(t, phone)
	// Offline after the cut, so that no IQ the client sends late goes out
	// on its next connection.
	e.Control(t, "POST", "/control/faults", map[string]any{"cutAfterIq": map[string]int{"privacy": 2}, "offlineAfterCut": true}, http.StatusOK, nil)

	// Sent without whatsmeow's retry after a reconnection, as the privacy
	// engine sends; an IQ cut short is answered by the disconnection.
	// A send that finds the socket closed already was not answered.
	send := func(name, value string) <-chan *waBinary.Node {
		ch, err := cli.DangerousInternals().SendIQAsync(ctxT(t), whatsmeow.DangerousInfoQuery{
			Namespace: "privacy", Type: "set", To: types.ServerJID,
			Content: []waBinary.Node{{Tag: "privacy", Content: []waBinary.Node{{
				Tag: "category", Attrs: waBinary.Attrs{"name": name, "value": value}}}}},
		})
		if err != nil {
			return nil
		}
		return ch
	}
	answered := func(ch <-chan *waBinary.Node) bool {
		if ch == nil {
			return false
		}
		select {
		case n := <-ch:
			return n != nil && n.Tag == "iq"
		case <-time.After(emutest.Timeout):
			t.Fatal("no answer and no disconnection")
			return false
		}
	}
	if !answered(send("last", "none")) {
		t.Fatal("the first IQ was not answered")
	}
	// The second and third go out together; the cut falls between them.
	second, third := send("profile", "none"), send("status", "none")
	if answered(second) || answered(third) {
		t.Error("an IQ at or after the cut was answered")
	}
	waitFor[*events.Disconnected](t, rec)
	acc := e.Account(t, phone)
	if acc.Privacy["last"] != "none" || acc.Privacy["profile"] != "none" || acc.Privacy["status"] == "none" {
		t.Errorf("after the cut: last %s profile %s status %s; want the first two applied, not the third",
			acc.Privacy["last"], acc.Privacy["profile"], acc.Privacy["status"])
	}
	// Offline until the faults change; then back, and the cut was once
	// per configuration.
	for quiet := time.After(300 * time.Millisecond); ; {
		select {
		case evt := <-rec.ch:
			if _, ok := evt.(*events.Connected); ok {
				t.Fatal("the client connected again while the account was to stay offline")
			}
			continue
		case <-quiet:
		}
		break
	}
	e.Control(t, "POST", "/control/faults", map[string]any{"cutAfterIq": map[string]int{"privacy": 1}}, http.StatusOK, nil)
	e.Control(t, "POST", "/control/faults", map[string]any{}, http.StatusOK, nil)
	waitFor[*events.Connected](t, rec)
	if !answered(send("status", "none")) {
		t.Error("the next connection was cut too")
	}
	e.Control(t, "POST", "/control/faults", map[string]any{"cutAfterIq": map[string]int{"privacy": 0}}, http.StatusBadRequest, nil)
	e.Control(t, "POST", "/control/faults", map[string]any{"cutAfterIq": map[string]int{"": 1}}, http.StatusBadRequest, nil)
}
