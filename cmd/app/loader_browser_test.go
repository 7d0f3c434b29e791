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
func goappSourceNames(t *testing.T) []string {
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
func beforePageScripts(t *testing.T, ctx context.Context, js string) (remove func()) {
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
