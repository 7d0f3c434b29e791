//go:build browser

package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/png"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
	"github.com/waprivacy/waprivacy/proxy"
)

// The viewports every screen is checked and photographed at.
var (
	mobile  = [2]int64{390, 844}
	desktop = [2]int64{1280, 800}
)

// site is a built site served by the real proxy. It can drop off the
// network as a whole, as a phone in a tunnel would: every open connection
// is cut, the relay's included, and new ones are refused.
type site struct {
	URL     string
	offline atomic.Bool
	mu      sync.Mutex
	conns   map[net.Conn]bool
	// before, once set, sees every request first, and may hold it.
	before atomic.Pointer[func(*http.Request)]
}

func serveSite(t testing.TB, dist string, cfg proxy.Config) *site {
	t.Helper()
	cfg.Dist = dist
	srv, err := proxy.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s := &site{conns: map[net.Conn]bool{}}
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.offline.Load() {
			panic(http.ErrAbortHandler) // the browser sees a dropped connection
		}
		if before := s.before.Load(); before != nil {
			(*before)(r)
		}
		srv.ServeHTTP(w, r)
	}))
	ts.Config.ConnState = func(c net.Conn, st http.ConnState) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if st == http.StateClosed {
			delete(s.conns, c)
		} else {
			s.conns[c] = true
		}
	}
	ts.Start()
	t.Cleanup(func() { ts.Close(); srv.Shutdown(context.Background()) })
	s.URL = ts.URL
	return s
}

// demoSite serves the waemu-tagged site, relaying to the emulator.
func demoSite(t testing.TB, env *emutest.Env) *site {
	t.Helper()
	return serveSite(t, distDir(t, "WAPRIVACY_DEMO_DIST"), proxy.Config{
		Upstream:       "ws://" + env.Addr() + "/ws/chat",
		UpstreamOrigin: env.HTTP.URL,
	})
}

func distDir(t testing.TB, env string) string {
	t.Helper()
	dir := os.Getenv(env)
	if dir == "" {
		t.Fatalf("%s is not set: run `make test`, which builds the sites first", env)
	}
	return dir
}

func (s *site) goOffline() {
	s.offline.Store(true)
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}

func (s *site) goOnline() { s.offline.Store(false) }

// newBrowser starts headless Chromium with a phone-sized screen, whose
// preferred language is lang (navigator.languages), and forwards the
// page's console to the test log.
func newBrowser(t testing.TB, timeout time.Duration, lang string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	setUpTab(t, ctx, lang)
	return ctx
}

// setUpTab gives a tab a phone-sized screen and the preferred language
// lang, and forwards its console to the test log.
func setUpTab(t testing.TB, ctx context.Context, lang string) {
	t.Helper()
	var ua string
	if err := chromedp.Run(ctx,
		chromedp.EmulateViewport(mobile[0], mobile[1]),
		chromedp.Evaluate(`navigator.userAgent`, &ua),
		emulation.SetUserAgentOverride(ua).WithAcceptLanguage(lang),
	); err != nil {
		t.Fatal(err)
	}
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*runtime.EventConsoleAPICalled); ok {
			for _, arg := range e.Args {
				t.Logf("%s console.%s: %s", time.Now().Format("05.000"), e.Type, arg.Value)
			}
		}
	})
}

// stepTimeout bounds one step: generous for two cores, short enough that
// a stuck step fails with its name rather than eating the whole test.
const stepTimeout = 60 * time.Second

// run runs actions and fails the test with what it was doing, leaving a
// picture of the page where screenshots are kept.
func run(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Run(step, actions...); err != nil {
		if dir := os.Getenv("WAPRIVACY_SCREENSHOTS"); dir != "" {
			var png []byte
			if chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)) == nil {
				os.WriteFile(filepath.Join(dir, "FAILED-"+t.Name()[strings.LastIndex(t.Name(), "/")+1:]+".png"), png, 0o644)
			}
		}
		t.Fatalf("%s: %v", what, err)
	}
}

// shoot saves the page at both viewports when WAPRIVACY_SCREENSHOTS names a
// directory, for people to look at, and checks it the way a person using
// a screen reader, a keyboard or a narrow phone would (see checkPage).
func shoot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	checkPage(t, ctx, name)
	dir := os.Getenv("WAPRIVACY_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, vp := range []struct {
		suffix string
		size   [2]int64
	}{{"desktop", desktop}, {"mobile", mobile}} {
		var png []byte
		run(t, ctx, "screenshot "+name,
			chromedp.EmulateViewport(vp.size[0], vp.size[1]),
			chromedp.FullScreenshot(&png, 100),
		)
		if err := os.WriteFile(filepath.Join(dir, name+"-"+vp.suffix+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// checkPageJS returns the page's accessibility problems: controls without
// a name, text below WCAG AA contrast, and content wider than the screen.
const checkPageJS = `(() => {
  const problems = [];
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden"; };
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : "");
  for (const el of document.querySelectorAll("input, select, button, textarea, summary, a[href]")) {
    if (!visible(el) || el.type === "hidden") continue;
    const labelled = (el.labels && el.labels.length > 0) || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || el.textContent.trim();
    if (!labelled) problems.push("no accessible name: " + describe(el));
  }
  const rgb = (s) => { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(",").map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const background = (el) => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c && c.a > 0.5) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
  for (const el of document.querySelectorAll("body *")) {
    if (!visible(el) || el.closest("svg, #app-wasm-loader")) continue;
    const text = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent.trim()).join("");
    if (!text) continue;
    const style = getComputedStyle(el);
    const fg = rgb(style.color), bg = background(el);
    const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) problems.push("contrast " + ratio.toFixed(2) + ": " + describe(el) + " " + JSON.stringify(text.slice(0, 40)));
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) problems.push("wider than the screen: " + document.documentElement.scrollWidth + " > " + window.innerWidth);
  return problems;
})()`

// checkPage fails the test for accessibility problems of the page as it
// is, at a 360 px wide screen (the narrowest the app supports) and at the
// desktop size.
func checkPage(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	for _, size := range [][2]int64{{360, 740}, desktop} {
		var problems []string
		run(t, ctx, "checking "+name,
			chromedp.EmulateViewport(size[0], size[1]),
			chromedp.Evaluate(checkPageJS, &problems),
		)
		for _, p := range problems {
			t.Errorf("%s at %d px: %s", name, size[0], p)
		}
	}
	run(t, ctx, "restoring the viewport", chromedp.EmulateViewport(mobile[0], mobile[1]))
}

// readQR reads the pairing code from a screenshot of the page, as the
// phone's camera would. Like a camera it tries again for a while: a shot
// can catch the code mid-paint, or as it is replaced by a fresh one.
func readQR(t testing.TB, ctx context.Context) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var png []byte
		run(t, ctx, "photographing the QR code",
			chromedp.WaitVisible("#qr svg", chromedp.ByQuery),
			chromedp.Screenshot("#qr", &png, chromedp.ByQuery),
		)
		text, err := decodeQR(png)
		if err == nil {
			return text
		}
		if time.Now().After(deadline) {
			t.Fatalf("the QR code on the page does not decode: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func decodeQR(png []byte) (string, error) {
	img, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		return "", err
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", err
	}
	// A clean screenshot of the code is a pure barcode; as a camera would,
	// try harder before giving up on a frame.
	var res *gozxing.Result
	for _, hints := range []map[gozxing.DecodeHintType]any{
		nil,
		{gozxing.DecodeHintType_PURE_BARCODE: true},
		{gozxing.DecodeHintType_TRY_HARDER: true},
	} {
		if res, err = qrcode.NewQRCodeReader().Decode(bmp, hints); err == nil {
			return res.GetText(), nil
		}
	}
	return "", err
}

// pair links the page to phone's account by scanning its QR code, and
// waits until the settings show.
func pair(t testing.TB, ctx context.Context, env *emutest.Env, phone string) {
	t.Helper()
	code := readQR(t, ctx)
	env.Control(t, http.MethodPost, "/control/scan", map[string]string{"qr": code, "phone": phone}, http.StatusOK, nil)
	run(t, ctx, "waiting for the dashboard",
		chromedp.WaitVisible(`#connection[data-state="connected"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#form-last`, chromedp.ByQuery),
	)
}

// openPaired opens the app served against a fresh emulator, in English,
// and links it to phone's account: where tests that need a linked
// dashboard start.
func openPaired(t testing.TB, timeout time.Duration) (*emutest.Env, *site, context.Context) {
	t.Helper()
	env := emutest.Start(t)
	s := demoSite(t, env)
	ctx := newBrowser(t, timeout, "en-US")
	run(t, ctx, "opening the app", chromedp.Navigate(s.URL), chromedp.WaitVisible("#connect #qr svg", chromedp.ByQuery))
	pair(t, ctx, env, phone)
	return env, s, ctx
}

// textOf returns the text of the first element matching sel.
func textOf(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	var s string
	run(t, ctx, "reading "+sel, chromedp.TextContent(sel, &s, chromedp.ByQuery))
	return s
}

// waitFor polls a JavaScript condition until it holds: for state the page
// only shows through the DOM, this is the event to wait for.
func waitFor(t testing.TB, ctx context.Context, what, js string) {
	t.Helper()
	run(t, ctx, "waiting for "+what, chromedp.Poll(js, nil, chromedp.WithPollingInterval(50*time.Millisecond)))
}

// press operates a button, link or summary from the keyboard: focus, then
// Enter. The whole suite works the app this way, which shows it usable
// with the keyboard alone, and a key press cannot miss its target when the
// page moves under it, as a click at coordinates can.
func press(sel string) chromedp.Tasks {
	return chromedp.Tasks{chromedp.Focus(sel, chromedp.ByQuery), chromedp.KeyEvent("\r")}
}

// pick selects a radio button from the keyboard: focus, then Space.
func pick(sel string) chromedp.Tasks {
	return chromedp.Tasks{chromedp.Focus(sel, chromedp.ByQuery), chromedp.KeyEvent(" ")}
}

// retype replaces what an input holds with text, typed as a person would.
func retype(sel, text string) chromedp.Tasks {
	clear := fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.value = ""; el.dispatchEvent(new Event("input", {bubbles: true})); })()`, sel)
	return chromedp.Tasks{chromedp.Evaluate(clear, nil), chromedp.SendKeys(sel, text, chromedp.ByQuery)}
}
