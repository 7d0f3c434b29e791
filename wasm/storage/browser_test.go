//go:build browser && !js

package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	cdpstorage "github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"github.com/waprivacy/waprivacy/wasm/chromiumkill"
	"github.com/waprivacy/waprivacy/wasm/internal/chromiumtest"
)

// The tests here run in real headless Chromium: the package's own tests
// under wasmbrowsertest, and scenarios that need whole browsers (reloads,
// tabs, a killed browser process) driven over DevTools against a harness
// page (internal/harness).

func TestBrowserStorageUnderWasmbrowsertest(t *testing.T) {
	chromiumtest.RunPackageTests(t)
}

func TestBrowserSessionSurvivesReload(t *testing.T) {
	srv := serveHarness(t)
	b := chromiumkill.Launch(t, t.TempDir())
	tab := newTab(t, b)
	tab.navigate(t, srv+"?mode=reload")
	seeded := tab.expect(t, "seeded", 120*time.Second)

	// No Close: the page goes away as when the user presses reload.
	if err := chromedp.Run(tab.ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	read := tab.expect(t, "read", 120*time.Second)
	if read["fingerprint"] != seeded["fingerprint"] {
		t.Fatal("after the reload the device and its 1,000 pre-keys differ from those written")
	}
	t.Logf("reopening the session of 1,000 pre-keys took %v ms", read["openMs"])
}

func TestBrowserSecondTabIsRefused(t *testing.T) {
	srv := serveHarness(t)
	b := chromiumkill.Launch(t, t.TempDir())
	first := newTab(t, b)
	first.navigate(t, srv+"?mode=hold")
	first.expect(t, "opened", 60*time.Second)

	second := newTab(t, b)
	second.navigate(t, srv+"?mode=hold")
	refused := second.expect(t, "error", 60*time.Second)
	if refused["held"] != true || !strings.Contains(fmt.Sprint(refused["error"]), "the session is open in another tab") {
		t.Fatalf("the second tab reported %v; want the clear \"open in another tab\" error", refused)
	}

	// Once the first tab is gone, the second may open the store.
	first.close()
	if err := chromedp.Run(second.ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	second.expect(t, "opened", 60*time.Second)
}

func TestBrowserFullStorageFailsWithSQLiteFull(t *testing.T) {
	srv := serveHarness(t)
	b := chromiumkill.Launch(t, t.TempDir())
	tab := newTab(t, b)
	// Lower the origin's quota so that the store fills it quickly.
	if err := chromedp.Run(tab.ctx, cdpstorage.OverrideQuotaForOrigin(srv).WithQuotaSize(8<<20)); err != nil {
		t.Fatal(err)
	}
	tab.navigate(t, srv+"?mode=quota")
	got := tab.expect(t, "quota", 120*time.Second)
	t.Logf("quota: %v", got)
	if got["full"] != true {
		t.Errorf("the write that exceeded the quota failed with %v, want SQLITE_FULL", got["error"])
	}
	if got["reported"] != true {
		t.Error("the quota failure was not delivered on Store.Failures")
	}
	if committed, _ := got["committed"].(float64); committed < 1 || got["present"] != got["committed"] {
		t.Errorf("%v writes committed before the quota ran out, %v still present; want all of at least one", got["committed"], got["present"])
	}
	if got["integrity"] != "ok" {
		t.Errorf("integrity check after the failure: %v", got["integrity"])
	}
}

// TestBrowserKilledBrowserKeepsEveryCommit kills Chromium at random moments
// while the harness commits transactions of one to 60 rows, and checks on
// each relaunch that the database is sound and holds every transaction
// reported as committed, none of them torn. Each relaunch checks the
// transactions since the previous check; the last one checks them all.
func TestBrowserKilledBrowserKeepsEveryCommit(t *testing.T) {
	const trials = 20
	srv := serveHarness(t)
	profile := t.TempDir()
	reported := 0 // the last transaction reported as committed
	commits := 0
	checked := 1 // transactions before this one were found complete
	for trial := 1; trial <= trials+1; trial++ {
		if trial > trials {
			checked = 1
		}
		b := chromiumkill.Launch(t, profile)
		tab := newTab(t, b)
		tab.navigate(t, fmt.Sprintf("%s?mode=crash&from=%d", srv, checked))
		v := tab.expect(t, "verified", 60*time.Second)
		if v["integrity"] != "ok" {
			t.Fatalf("trial %d: integrity check after the kill: %v", trial, v["integrity"])
		}
		next := int(v["next"].(float64))
		if next <= reported {
			t.Fatalf("trial %d: transaction %d was reported committed, but the database stops before %d", trial, reported, next)
		}
		checked = next
		if trial > trials {
			b.Kill(t)
			break
		}
		// Kill at a random moment while transactions commit.
		deadline := time.After(time.Duration(50+rand.IntN(950)) * time.Millisecond)
	collect:
		for {
			select {
			case e := <-tab.events:
				switch e["event"] {
				case "committed":
					reported = int(e["seq"].(float64))
					commits++
				case "error":
					t.Fatalf("trial %d: the harness failed: %v", trial, e["error"])
				}
			case <-deadline:
				break collect
			}
		}
		b.Kill(t)
	}
	t.Logf("%d trials, %d transactions committed, the last one %d", trials, commits, reported)
	if commits < trials {
		t.Fatalf("only %d transactions committed across %d trials; the kills did not land mid-stream", commits, trials)
	}
}

var harness struct {
	once sync.Once
	dir  string
	err  error
}

// serveHarness builds the harness once per test binary and serves it with
// its page; it returns the page's URL, which is also its origin.
func serveHarness(t *testing.T) string {
	t.Helper()
	harness.once.Do(func() {
		harness.dir, harness.err = os.MkdirTemp("", "storage-harness")
		if harness.err != nil {
			return
		}
		build := chromiumtest.GoCommand(t, "build", "-o", filepath.Join(harness.dir, "harness.wasm"), "./internal/harness")
		if out, err := build.CombinedOutput(); err != nil {
			harness.err = fmt.Errorf("building the harness: %v\n%s", err, out)
			return
		}
		root, err := exec.Command("go", "env", "GOROOT").Output()
		if err != nil {
			harness.err = fmt.Errorf("go env GOROOT: %v", err)
			return
		}
		support, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(root)), "lib", "wasm", "wasm_exec.js"))
		if err == nil {
			err = os.WriteFile(filepath.Join(harness.dir, "wasm_exec.js"), support, 0o644)
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(harness.dir, "index.html"), []byte(harnessPage), 0o644)
		}
		harness.err = err
	})
	if harness.err != nil {
		t.Fatal(harness.err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(harness.dir)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// harnessPage runs the harness; instantiateStreaming keeps V8's compiled
// code cache across launches on the same profile.
const harnessPage = `<!doctype html>
<script src="wasm_exec.js"></script>
<script>
const go = new Go();
WebAssembly.instantiateStreaming(fetch("harness.wasm"), go.importObject)
  .then((r) => go.run(r.instance))
  .catch((e) => console.log("harness:" + JSON.stringify({event: "error", error: String(e)})));
</script>
`

type tab struct {
	ctx    context.Context
	close  context.CancelFunc
	events chan map[string]any
}

// newTab opens a tab of b whose harness reports arrive on events.
func newTab(t *testing.T, b *chromiumkill.Browser) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.Ctx)
	tb := &tab{ctx: ctx, close: cancel, events: make(chan map[string]any, 4096)}
	chromedp.ListenTarget(ctx, func(ev any) {
		e, ok := ev.(*runtime.EventConsoleAPICalled)
		if !ok || len(e.Args) == 0 {
			return
		}
		var line string
		if json.Unmarshal([]byte(e.Args[0].Value), &line) != nil {
			return
		}
		msg, ok := strings.CutPrefix(line, "harness:")
		if !ok {
			t.Logf("console.%s: %s", e.Type, line)
			return
		}
		var event map[string]any
		if json.Unmarshal([]byte(msg), &event) == nil {
			select {
			case tb.events <- event:
			default:
			}
		}
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatal(err)
	}
	return tb
}

func (tb *tab) navigate(t *testing.T, url string) {
	t.Helper()
	if err := chromedp.Run(tb.ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
}

// expect waits for the named event, failing on a harness error.
func (tb *tab) expect(t *testing.T, name string, timeout time.Duration) map[string]any {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case e := <-tb.events:
			if e["event"] == name {
				return e
			}
			if e["event"] == "error" {
				t.Fatalf("waiting for %q, the harness failed: %v", name, e["error"])
			}
		case <-deadline:
			t.Fatalf("no %q from the harness within %v", name, timeout)
		}
	}
}
