//go:build js

package jsapi

import (
	"context"
	"sync"
	"syscall/js"

	"github.com/waprivacy/waprivacy/wasm/api"
	"github.com/waprivacy/waprivacy/wasm/crash"
	"github.com/waprivacy/waprivacy/wasm/jscatch"
	"github.com/waprivacy/waprivacy/wasm/siteaccess"
)

// embed serves one host page.
type embed struct {
	window, parent js.Value // this frame's window, and the one that embeds it
	backend        Backend  // nil when the app failed to start
	consent        Consent  // nil when the app failed to start
	policy         OriginPolicy
	failure        string // why the app could not start, if it could not

	mu     sync.Mutex
	host   js.Value // the window that said hello
	origin string   // and its origin; "" until then
	// told is the access the host was last told of, so that it hears of
	// each change once.
	told siteaccess.Access
}

// ServeEmbed answers the widget's host page: requests posted by the parent
// window from an origin the policy allows are answered to that origin, as
// far as the person's consent allows, and events and the content's height
// are posted to it. It returns a function that stops serving.
func ServeEmbed(b Backend, c Consent, policy OriginPolicy) (stop func()) {
	return serveEmbed(&embed{window: js.Global(), parent: js.Global().Get("parent"), backend: b, consent: c, policy: policy})
}

// ServeEmbedFailure answers the widget's host page for an app that could
// not start: a hello from an origin the policy allows is refused with
// reason, so the host's waprivacy.ready rejects at once with the real
// cause, rather than after its timeout with a guess about the embedding
// allowlist. It returns a function that stops serving.
func ServeEmbedFailure(policy OriginPolicy, reason string) (stop func()) {
	return serveEmbed(&embed{window: js.Global(), parent: js.Global().Get("parent"), policy: policy,
		failure: "waprivacy could not start: " + reason})
}

func serveEmbed(e *embed) (stop func()) {
	listener := js.FuncOf(guarded("the widget's message listener", func(args []js.Value) any {
		e.receive(args[0])
		return nil
	}, func() any { return nil }))
	e.window.Call("addEventListener", "message", listener)
	cancel := func() {}
	if e.backend != nil {
		offEvents := e.backend.Subscribe(func(event string, data any) {
			crash.Run("the widget's "+event+" event", func() { e.event(event, data) })
		})
		offConsent := e.consent.OnChange(func() {
			crash.Run("the widget's consent", e.consentChanged)
		})
		cancel = func() { offEvents(); offConsent() }
	}
	resized := js.FuncOf(guarded("the widget's resize observer", func([]js.Value) any {
		e.post(map[string]any{"type": msgResize, "height": e.contentHeight()})
		return nil
	}, func() any { return nil }))
	observer := e.window.Get("ResizeObserver").New(resized)
	if body := e.window.Get("document").Get("body"); body.Truthy() {
		observer.Call("observe", body)
	}
	// The host greeted us when the frame loaded, before this listener
	// existed; say we listen now. The message holds nothing, so any
	// origin may see it.
	if !e.parent.Equal(e.window) {
		postTo(e.parent, map[string]string{"type": msgListening}, "*")
	}
	return func() {
		observer.Call("disconnect")
		e.window.Call("removeEventListener", "message", listener)
		cancel()
		listener.Release()
		resized.Release()
	}
}

// contentHeight is the app's own height: the document's can be no smaller
// than the frame (a min-height of the viewport), so it would never shrink.
func (e *embed) contentHeight() int {
	doc := e.window.Get("document")
	if root := doc.Call("querySelector", ".app"); root.Truthy() {
		return int(root.Call("getBoundingClientRect").Get("height").Float() + 0.999)
	}
	return doc.Get("documentElement").Get("scrollHeight").Int()
}

// receive handles one message event. It runs inside a js.FuncOf callback,
// so it only reads the event and hands work to goroutines.
func (e *embed) receive(ev js.Value) {
	data := ev.Get("data")
	if data.Type() != js.TypeObject || data.Get("type").Type() != js.TypeString {
		return
	}
	source, origin := ev.Get("source"), ev.Get("origin").String()
	// Only the page that embeds us, and only from an allowed origin.
	if !source.Equal(e.parent) || source.Equal(e.window) {
		return
	}
	switch data.Get("type").String() {
	case msgHello:
		// The policy may ask the server, so not inside this callback.
		crash.Go("the widget's greeting", func() { e.hello(source, origin) })
	case msgRequest:
		e.mu.Lock()
		greeted := e.origin != "" && origin == e.origin && e.backend != nil
		e.mu.Unlock()
		if !greeted {
			return
		}
		id := stringField(data, "id")
		if id == "" {
			return
		}
		req := api.Request{Method: stringField(data, "method"), Path: stringField(data, "path")}
		if resp, refused := refusal(req.Method, e.consent.Access(origin)); refused {
			e.post(map[string]any{"type": msgResponse, "id": id, "status": resp.Status, "body": resp.Body})
			return
		}
		if body := data.Get("body"); !body.IsUndefined() && !body.IsNull() {
			b, err := bodyBytes(body)
			if err != nil {
				e.post(map[string]any{"type": msgResponse, "id": id, "status": 400,
					"body": map[string]any{"success": false, "error": map[string]string{"message": err.Error()}}})
				return
			}
			req.Body = b
		}
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
			defer cancel()
			var resp api.Response
			if !crash.Run("the widget's request "+req.Method+" "+req.Path, func() { resp = e.backend.Do(ctx, req) }) {
				resp = api.Response{Status: 500, Body: map[string]any{"success": false,
					"error": map[string]string{"message": internalError}}}
			}
			e.post(map[string]any{"type": msgResponse, "id": id, "status": resp.Status, "body": resp.Body})
		}()
	}
}

// hello adopts source as the host if its origin may embed the app, or,
// for an app that could not start, tells it why.
func (e *embed) hello(source js.Value, origin string) {
	if !e.policy.Allows(origin) {
		postTo(source, map[string]any{"type": msgRefused,
			"message": "This site may not embed waprivacy; the app's operator must allow " + origin + "."}, origin)
		return
	}
	if e.failure != "" {
		postTo(source, map[string]any{"type": msgRefused, "reason": refusedFailed, "message": e.failure}, origin)
		return
	}
	e.mu.Lock()
	e.host, e.origin = source, origin
	e.mu.Unlock()
	e.consent.Greeted(origin)
	access := e.consent.Access(origin)
	e.mu.Lock()
	e.told = access
	e.mu.Unlock()
	e.post(map[string]any{"type": msgReady, "status": hostStatus(e.backend.Status(), access)})
	e.post(map[string]any{"type": msgResize, "height": e.contentHeight()})
}

// event passes one of the backend's events to the host, as far as its
// access allows: none before consent, and no linking codes ever.
func (e *embed) event(name string, data any) {
	origin := e.hostOrigin()
	if origin == "" {
		return
	}
	access := e.consent.Access(origin)
	if !access.Allows(false) {
		return
	}
	if s, ok := data.(StatusEvent); ok {
		data = hostStatus(s, access)
	}
	e.post(map[string]any{"type": msgEvent, "event": name, "data": data})
}

// consentChanged tells the host, in a connection event, that the person
// allowed it, changed what it may do, or withdrew it.
func (e *embed) consentChanged() {
	origin := e.hostOrigin()
	if origin == "" {
		return
	}
	access := e.consent.Access(origin)
	e.mu.Lock()
	changed := access != e.told
	e.told = access
	e.mu.Unlock()
	if changed {
		e.post(map[string]any{"type": msgEvent, "event": EventConnection, "data": hostStatus(e.backend.Status(), access)})
	}
}

func stringField(v js.Value, name string) string {
	if f := v.Get(name); f.Type() == js.TypeString {
		return f.String()
	}
	return ""
}

// hostOrigin is the origin of the host that said hello, or "".
func (e *embed) hostOrigin() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.origin
}

// post sends msg to the host, if one said hello.
func (e *embed) post(msg map[string]any) {
	e.mu.Lock()
	host, origin := e.host, e.origin
	e.mu.Unlock()
	if origin == "" {
		return
	}
	postTo(host, msg, origin)
}

// postTo posts msg, as JSON-shaped JavaScript, to target for origin.
// postMessage throws for a target origin that is not a URL, such as the
// "null" of a sandboxed host page, and for a value it cannot clone; the
// exception is reported on the console instead of becoming a panic.
func postTo(target js.Value, msg any, origin string) {
	data := toJS(msg)
	if err := jscatch.Do(func() { target.Call("postMessage", data, origin) }); err != nil {
		consoleError("waprivacy: a message to the widget's host ("+origin+") could not be posted:", err.Error())
	}
}
