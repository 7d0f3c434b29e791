//go:build js

package jsapi

import (
	"context"
	"strings"
	"sync"
	"syscall/js"
	"testing"
	"time"

	"github.com/waprivacy/waprivacy/wasm/api"
	"github.com/waprivacy/waprivacy/wasm/crash"
	"github.com/waprivacy/waprivacy/wasm/siteaccess"
)

// fakeBackend publishes the events a test tells it to, and answers
// requests with do.
type fakeBackend struct {
	do func(api.Request) api.Response

	mu   sync.Mutex
	subs map[int]func(string, any)
	next int
}

func (f *fakeBackend) Do(_ context.Context, req api.Request) api.Response { return f.do(req) }

func (f *fakeBackend) Status() StatusEvent {
	return StatusEvent{State: "connected", Account: "5511988887777"}
}

func (f *fakeBackend) Subscribe(fn func(string, any)) (cancel func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subs == nil {
		f.subs = map[int]func(string, any){}
	}
	id := f.next
	f.next++
	f.subs[id] = fn
	return func() {
		f.mu.Lock()
		delete(f.subs, id)
		f.mu.Unlock()
	}
}

// publish calls every subscriber from the test's goroutine, as the
// session manager calls them from its own.
func (f *fakeBackend) publish(event string, data any) {
	f.mu.Lock()
	subs := make([]func(string, any), 0, len(f.subs))
	for _, fn := range f.subs {
		subs = append(subs, fn)
	}
	f.mu.Unlock()
	for _, fn := range subs {
		fn(event, data)
	}
}

func echo(req api.Request) api.Response {
	if req.Path == "/panic" {
		var m map[string]int
		m["boom"]++ // a bug: assignment to a nil map
	}
	return api.Response{Status: 200, Body: map[string]string{"path": req.Path}}
}

func installFake(t *testing.T) (js.Value, *fakeBackend) {
	t.Helper()
	f := &fakeBackend{do: echo}
	t.Cleanup(Install("waprivacy", f))
	return js.Global().Get("waprivacy"), f
}

// consoleErrors replaces console.error until the test ends and returns
// what is written to it, each call's arguments joined by spaces.
func consoleErrors(t *testing.T) <-chan string {
	t.Helper()
	console := js.Global().Get("console")
	original := console.Get("error")
	lines := make(chan string, 100)
	record := js.FuncOf(func(_ js.Value, args []js.Value) any {
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = js.Global().Call("String", a).String()
		}
		select {
		case lines <- strings.Join(parts, " "):
		default:
		}
		return nil
	})
	console.Set("error", record)
	t.Cleanup(func() {
		console.Set("error", original)
		record.Release()
	})
	return lines
}

func waitFor[T any](t *testing.T, what string, ch <-chan T, ok func(T) bool) T {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case v := <-ch:
			if ok(v) {
				return v
			}
		case <-timeout:
			t.Fatalf("never saw %s", what)
			var zero T
			return zero
		}
	}
}

// jsFunction is a function written in JavaScript (the test page has no
// Content-Security-Policy, so the Function constructor is allowed).
func jsFunction(args ...any) js.Value { return js.Global().Get("Function").New(args...) }

func TestAListenerThatThrowsDoesNotStopTheProgram(t *testing.T) {
	w, f := installFake(t)
	errs := consoleErrors(t)
	// waprivacy.on("privacy", () => { throw 1 }), and one whose promise
	// rejects.
	w.Call("on", "privacy", jsFunction("throw 1"))
	w.Call("on", "privacy", jsFunction("return Promise.reject(new Error('async listener failed'))"))
	got := make(chan string, 10)
	listener := js.FuncOf(func(_ js.Value, args []js.Value) any {
		got <- jsonText(args[0])
		return nil
	})
	defer listener.Release()
	off := w.Call("on", "privacy", listener)

	f.publish(EventPrivacy, map[string]int{"n": 1}) // without the fix, the panic ends the program here
	waitFor(t, "the first event at the listener that does not throw", got, func(s string) bool { return s == `{"n":1}` })
	waitFor(t, "the throw on the console", errs, func(s string) bool {
		return strings.Contains(s, `a "privacy" listener threw`) && strings.HasSuffix(s, " 1")
	})
	waitFor(t, "the rejection on the console", errs, func(s string) bool { return strings.Contains(s, "async listener failed") })

	// Later events and requests still work.
	f.publish(EventPrivacy, map[string]int{"n": 2})
	waitFor(t, "the second event", got, func(s string) bool { return s == `{"n":2}` })
	v, rejected := await(t, w.Call("request", "GET", "/profile/privacy"))
	if rejected || jsonText(v) != `{"status":200,"body":{"path":"/profile/privacy"}}` {
		t.Errorf("a request after the throw: rejected=%v %s", rejected, jsonText(v))
	}
	off.Invoke()
	f.publish(EventPrivacy, map[string]int{"n": 3})
	f.publish(EventConnection, map[string]int{"n": 4})
	select {
	case s := <-got:
		t.Errorf("an unsubscribed listener got %s", s)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestAListenerCalledWhileConsoleErrorThrowsIsStillIsolated(t *testing.T) {
	w, f := installFake(t)
	console := js.Global().Get("console")
	original := console.Get("error")
	console.Set("error", jsFunction("throw new Error('console.error replaced by the page')"))
	defer console.Set("error", original)
	got := make(chan string, 10)
	listener := js.FuncOf(func(_ js.Value, args []js.Value) any { got <- jsonText(args[0]); return nil })
	defer listener.Release()
	w.Call("on", "connection", jsFunction("throw 1"))
	w.Call("on", "connection", listener)
	f.publish(EventConnection, map[string]string{"state": "connected"})
	waitFor(t, "the event", got, func(s string) bool { return s == `{"state":"connected"}` })
	// A wrong call reports on the console too, which throws now.
	if bad := w.Call("on", "weather", 5); bad.Type() != js.TypeFunction {
		t.Errorf("a wrong on() call returned %s", bad.Type())
	}
}

func TestAPanicInARequestIsShownOverThePageWithReload(t *testing.T) {
	w, _ := installFake(t)
	errs := consoleErrors(t)
	doc := js.Global().Get("document")
	t.Cleanup(func() {
		if el := doc.Call("getElementById", crash.ElementID); el.Truthy() {
			el.Call("remove")
		}
	})
	v, rejected := await(t, w.Call("request", "POST", "/panic"))
	if !rejected || v.Get("message").String() != internalError {
		t.Errorf("a request whose answer panics: rejected=%v %s", rejected, js.Global().Call("String", v).String())
	}
	waitFor(t, "the panic on the console", errs, func(s string) bool {
		return strings.Contains(s, "a waprivacy.request() stopped: panic: assignment to entry in nil map")
	})
	el := doc.Call("getElementById", crash.ElementID)
	if !el.Truthy() {
		t.Fatal("nothing is shown over the page")
	}
	if el.Call("getAttribute", "role").String() != "alert" || !strings.Contains(el.Get("textContent").String(), "waprivacy stopped working") {
		t.Errorf("the error shown: %s", el.Get("outerHTML").String())
	}
	// Reload is a form that loads this very page again, needing no Go.
	button := el.Call("querySelector", "form button[type=submit]")
	if !button.Truthy() || button.Get("textContent").String() != "Reload" ||
		button.Get("form").Get("action").String() != js.Global().Get("location").Get("origin").String()+js.Global().Get("location").Get("pathname").String() {
		t.Errorf("no Reload button for this page: %s", el.Get("outerHTML").String())
	}
	// The program goes on.
	v, rejected = await(t, w.Call("request", "GET", "/after"))
	if rejected || jsonText(v) != `{"status":200,"body":{"path":"/after"}}` {
		t.Errorf("a request after the panic: rejected=%v %s", rejected, jsonText(v))
	}
}

// fakePolicy allows the origins it lists.
type fakePolicy []string

func (p fakePolicy) Allows(origin string) bool {
	for _, o := range p {
		if o == origin {
			return true
		}
	}
	return false
}

// hostFrame is a same-origin iframe that plays the widget's host page:
// the embed is served with it as its parent, and what it posts there is
// delivered to messages.
func hostFrame(t *testing.T) (host js.Value, messages <-chan string) {
	t.Helper()
	doc := js.Global().Get("document")
	frame := doc.Call("createElement", "iframe")
	doc.Get("body").Call("appendChild", frame)
	host = frame.Get("contentWindow")
	ch := make(chan string, 100)
	listener := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- jsonText(args[0].Get("data"))
		return nil
	})
	host.Call("addEventListener", "message", listener)
	t.Cleanup(func() {
		frame.Call("remove")
		listener.Release()
	})
	return host, ch
}

// fromHost dispatches a message event from host, as the browser would
// deliver one the host posted from origin.
func fromHost(host js.Value, origin string, data map[string]any) {
	js.Global().Call("dispatchEvent", js.Global().Get("MessageEvent").New("message", map[string]any{
		"data": data, "origin": origin, "source": host,
	}))
}

func pageOrigin() string { return js.Global().Get("location").Get("origin").String() }

func TestEmbedAnswersTheHostAndSurvivesAHostWithANullOrigin(t *testing.T) {
	host, messages := hostFrame(t)
	errs := consoleErrors(t)
	f := &fakeBackend{do: echo}
	stop := serveEmbed(&embed{window: js.Global(), parent: host, backend: f, consent: newConsent(siteaccess.Change), policy: fakePolicy{pageOrigin()}})
	defer stop()
	waitFor(t, "listening", messages, func(s string) bool { return s == `{"type":"waprivacy:listening"}` })

	// A sandboxed host page's origin is "null", which postMessage
	// refuses as a target: without the fix, the refusal's exception
	// ends the program.
	fromHost(host, "null", map[string]any{"type": msgHello})
	waitFor(t, "the failed refusal on the console", errs, func(s string) bool {
		return strings.Contains(s, "could not be posted") && strings.Contains(s, "(null)")
	})

	fromHost(host, pageOrigin(), map[string]any{"type": msgHello})
	waitFor(t, "ready", messages, func(s string) bool {
		return s == `{"status":{"account":"5511988887777","state":"connected","access":"change"},"type":"waprivacy:ready"}`
	})
	fromHost(host, pageOrigin(), map[string]any{"type": msgRequest, "id": "1", "method": "GET", "path": "/profile/privacy"})
	waitFor(t, "the answer", messages, func(s string) bool {
		return s == `{"body":{"path":"/profile/privacy"},"id":"1","status":200,"type":"waprivacy:response"}`
	})
	fromHost(host, pageOrigin(), map[string]any{"type": msgRequest, "id": "2", "method": "POST", "path": "/panic"})
	waitFor(t, "the answer to a request that panics", messages, func(s string) bool {
		return strings.Contains(s, `"id":"2","status":500`) && strings.Contains(s, internalError)
	})
	if el := js.Global().Get("document").Call("getElementById", crash.ElementID); el.Truthy() {
		el.Call("remove")
	}
	f.publish(EventPrivacy, map[string]int{"n": 1})
	waitFor(t, "the event", messages, func(s string) bool {
		return s == `{"data":{"n":1},"event":"privacy","type":"waprivacy:event"}`
	})
}

func TestAnEmbedThatFailedToStartTellsTheHostWhy(t *testing.T) {
	host, messages := hostFrame(t)
	stop := serveEmbed(&embed{window: js.Global(), parent: host, policy: fakePolicy{pageOrigin()},
		failure: "waprivacy could not start: the session is open in another tab"})
	defer stop()
	waitFor(t, "listening", messages, func(s string) bool { return s == `{"type":"waprivacy:listening"}` })
	fromHost(host, "https://elsewhere.example", map[string]any{"type": msgHello})
	fromHost(host, pageOrigin(), map[string]any{"type": msgHello})
	waitFor(t, "the reason", messages, func(s string) bool {
		return s == `{"message":"waprivacy could not start: the session is open in another tab","reason":"failed","type":"waprivacy:refused"}`
	})
	// Requests get no answer: the host's ready promise has rejected.
	fromHost(host, pageOrigin(), map[string]any{"type": msgRequest, "id": "1", "method": "GET", "path": "/profile/privacy"})
	select {
	case s := <-messages:
		if strings.Contains(s, "response") {
			t.Errorf("an app that did not start answered %s", s)
		}
	case <-time.After(200 * time.Millisecond):
	}
}
