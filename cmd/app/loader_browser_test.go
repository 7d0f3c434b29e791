//go:build browser

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// What web/app.js does about each name go-app's wasm may look up on
// window.
const (
	nameProvided = "a function of the loader's"
	nameFlag     = "a flag the loader sets, read by go-app as it starts"
	nameUnset    = "a flag go-app reads and takes as false when absent; the loader has no cause to set it"
	nameSetByGo  = "set by go-app itself"
	nameAbsent   = "not provided: this app's wasm does not use it"
)

var goappNames = map[string]string{
	"goappGetenv":                            nameProvided,
	"goappTryUpdate":                         nameProvided,
	"goappUpdatedBeforeWasmLoaded":           nameFlag,
	"goappNav":                               nameSetByGo,
	"goappOnUpdate":                          nameSetByGo,
	"goappOnAppInstallChange":                nameSetByGo,
	"goappAppInstallChangedBeforeWasmLoaded": nameUnset,
	"goappKeepBodyClean":                     nameAbsent,
	"goappIsAppInstallable":                  nameAbsent,
	"goappIsAppleBrowser":                    nameAbsent,
	"goappShowInstallPrompt":                 nameAbsent,
	"goappNewNotification":                   nameAbsent,
	"goappSubscribePushNotifications":        nameAbsent,
}

// goappSourceNames lists the goapp… names go-app's Go code looks up on
// window, from the module's source as go.mod pins it.
func goappSourceNames(t testing.TB) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/maxence-charriere/go-app/v10").Output()
	if err != nil {
		t.Fatalf("finding go-app's source: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "pkg", "app")
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	literal := regexp.MustCompile(`"(goapp[A-Z][A-Za-z]*)"`)
	var names []string
	for _, f := range files {
		// scripts.go is go-app's own loader, as JavaScript in strings.
		if strings.HasSuffix(f, "_test.go") || filepath.Base(f) == "scripts.go" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllSubmatch(src, -1) {
			if name := string(m[1]); !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	if len(names) < 5 {
		t.Fatalf("found only %v in go-app's source at %s", names, dir)
	}
	return names
}

// TestBrowserLoaderProvidesWhatTheWasmCalls holds web/app.js to what
// go-app's wasm needs from the page: every name go-app's source looks up is
// accounted for; each the loader provides is in both built wasms (or it is
// dead code) and is on the page; each it leaves out is in neither wasm (or
// the app would call a function that is not there).
func TestBrowserLoaderProvidesWhatTheWasmCalls(t *testing.T) {
	names := goappSourceNames(t)
	for _, name := range names {
		if goappNames[name] == "" {
			t.Errorf("go-app looks up %s on window: decide what the loader does about it", name)
		}
	}
	for _, env := range []string{"WAPRIVACY_DIST", "WAPRIVACY_DEMO_DIST"} {
		wasm, err := os.ReadFile(filepath.Join(distDir(t, env), "web", "app.wasm"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			linked := bytes.Contains(wasm, []byte(name))
			switch role := goappNames[name]; {
			case role == nameAbsent && linked:
				t.Errorf("the wasm in %s names %s, which the loader does not provide", env, name)
			case (role == nameProvided || role == nameFlag) && !linked:
				t.Errorf("the loader provides %s (%s), which the wasm in %s never reads", name, role, env)
			}
		}
	}

	s := productionSite(t, deadUpstream(t))
	ctx := newBrowser(t, time.Minute, "en-US")
	var kinds map[string]string
	run(t, ctx, "loading the app",
		chromedp.Navigate(s.URL),
		chromedp.WaitVisible("#connect", chromedp.ByQuery),
		chromedp.Evaluate(`Object.fromEntries(`+jsStrings(names)+`.map((n) => [n, typeof window[n]]))`, &kinds),
	)
	for name, kind := range kinds {
		switch role := goappNames[name]; {
		case role == nameProvided && kind != "function":
			t.Errorf("window.%s is %s on the page; the wasm calls it", name, kind)
		case (role == nameAbsent || role == nameUnset) && kind != "undefined":
			t.Errorf("window.%s is %s on the page; nothing should provide it", name, kind)
		}
	}
	var version string
	run(t, ctx, "reading the env", chromedp.Evaluate(`goappGetenv("GOAPP_VERSION")`, &version))
	if len(version) != 16 {
		t.Errorf("GOAPP_VERSION is %q, want the wasm's hash", version)
	}
}

// jsStrings is names as a JavaScript array literal.
func jsStrings(names []string) string {
	return `["` + strings.Join(names, `", "`) + `"]`
}

// beforePageScripts has every document ctx opens from now on run js
// before its own scripts, until the returned function is called.
func beforePageScripts(t testing.TB, ctx context.Context, js string) (remove func()) {
	t.Helper()
	var id page.ScriptIdentifier
	run(t, ctx, "adding a script to every new document", chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		id, err = page.AddScriptToEvaluateOnNewDocument(js).Do(ctx)
		return err
	}))
	return func() {
		run(t, ctx, "removing the script", chromedp.ActionFunc(func(ctx context.Context) error {
			return page.RemoveScriptToEvaluateOnNewDocument(id).Do(ctx)
		}))
	}
}

// programEnded waits for the error the loader shows once the Go program
// has ended, checks what it says and that the page beneath is inert, and
// returns its details.
func programEnded(t testing.TB, ctx context.Context, title string) string {
	t.Helper()
	run(t, ctx, "waiting for the program-ended error", chromedp.WaitVisible(`#waprivacy-ended[role="alert"]`, chromedp.ByQuery))
	if got := textOf(t, ctx, "#waprivacy-ended strong"); got != title {
		t.Errorf("the error's title is %q, want %q", got, title)
	}
	var state struct {
		Inert, ReloadFocused, GoCrashShown bool
	}
	eval(t, ctx, "reading the page's state", `({
		Inert: document.body.inert,
		ReloadFocused: document.activeElement === document.querySelector("#waprivacy-ended button"),
		GoCrashShown: document.getElementById("waprivacy-crash") !== null,
	})`, &state)
	if !state.Inert {
		t.Error("the dead page beneath the error still takes clicks and focus")
	}
	if !state.ReloadFocused {
		t.Error("the Reload button does not have the focus")
	}
	if state.GoCrashShown {
		t.Error("wasm/crash's error is still shown beside the loader's")
	}
	var details string
	run(t, ctx, "reading the details", chromedp.Evaluate(`document.querySelector("#waprivacy-ended pre").textContent`, &details))
	return details
}

// reloadStartsAgain presses Reload and waits for a new page whose app is
// running.
func reloadStartsAgain(t testing.TB, ctx context.Context) {
	t.Helper()
	run(t, ctx, "pressing Reload",
		chromedp.Evaluate(`window.beforeReload = true`, nil),
		press("#waprivacy-ended button"),
		// Queries, unlike a poll, carry on into the new document.
		chromedp.WaitNotPresent("#waprivacy-ended", chromedp.ByQuery),
		chromedp.WaitVisible("#connect", chromedp.ByQuery),
	)
	waitFor(t, ctx, "the app running again in a new page", `window.beforeReload === undefined &&
		performance.getEntriesByName("waprivacy-interactive").length > 0 && !document.body.inert`)
}

// TestBrowserProgramEndShowsReload: once the Go program has ended, the
// page says so, in place of wasm/crash's error, with a Reload button that
// works, and the details give the runtime's last words. The program is ended the way a page script
// can end it, with no hook in the app: it calls go-app's navigation hook
// without the path it needs, go-app reads the missing argument on its main
// goroutine, and the panic there ends the program (go-app's own goroutine,
// which wasm/crash cannot guard).
func TestBrowserProgramEndShowsReload(t *testing.T) {
	s := productionSite(t, deadUpstream(t))
	for _, tc := range []struct{ lang, title string }{
		{"en-US", "waprivacy stopped working"},
		{"pt-BR", "O waprivacy parou de funcionar"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			ctx := newBrowser(t, 2*time.Minute, tc.lang)
			run(t, ctx, "opening the app",
				chromedp.Navigate(s.URL),
				chromedp.WaitVisible("#connect", chromedp.ByQuery),
				// As wasm/crash leaves the page after a recovered panic.
				chromedp.Evaluate(`document.documentElement.append(Object.assign(document.createElement("div"), {id: "waprivacy-crash"}))`, nil),
				chromedp.Evaluate(`goappNav()`, nil),
			)
			details := programEnded(t, ctx, tc.title)
			for _, want := range []string{"exited with code 2", "panic: ", "index out of range"} {
				if !strings.Contains(details, want) {
					t.Errorf("the details lack %q:\n%s", want, details)
				}
			}
			if tc.lang == "en-US" {
				shoot(t, ctx, "program-ended")
				run(t, ctx, "opening the details", press("#waprivacy-ended summary"))
				shoot(t, ctx, "program-ended-details")
			}
			reloadStartsAgain(t, ctx)
		})
	}
}

// TestBrowserProgramFailingAtStartShowsReload: an exception that stops
// the program's first run (here a page script's setter that throws when
// go-app installs its navigation hook) is shown the same way, with the
// exception in the details; once the cause is gone, Reload starts the app.
func TestBrowserProgramFailingAtStartShowsReload(t *testing.T) {
	s := productionSite(t, deadUpstream(t))
	ctx := newBrowser(t, 2*time.Minute, "en-US")
	remove := beforePageScripts(t, ctx, `Object.defineProperty(window, "goappNav", {
		configurable: true,
		set() { throw new Error("a page script refuses goappNav"); },
	});`)
	run(t, ctx, "opening the app", chromedp.Navigate(s.URL))
	// Go stopped before it set the page's language: the prerendered English.
	details := programEnded(t, ctx, "waprivacy stopped working")
	for _, want := range []string{"stopped with an exception", "a page script refuses goappNav"} {
		if !strings.Contains(details, want) {
			t.Errorf("the details lack %q:\n%s", want, details)
		}
	}
	remove()
	reloadStartsAgain(t, ctx)
}
