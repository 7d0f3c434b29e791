//go:build js

package jsapi

import (
	"context"
	"sync"
	"syscall/js"

	"github.com/waprivacy/waprivacy/wasm/api"
)

// embed serves one host page.
type embed struct {
	backend Backend
	policy  OriginPolicy

	mu     sync.Mutex
	host   js.Value // the window that said hello
	origin string   // and its origin; "" until then
}

// ServeEmbed answers the widget's host page: requests posted by the parent
// window from an origin the policy allows are answered to that origin, and
// events and the content's height are posted to it. It returns a function
// that stops serving.
func ServeEmbed(b Backend, policy OriginPolicy) (stop func()) {
	e := &embed{backend: b, policy: policy}
	window := js.Global()
	listener := js.FuncOf(func(_ js.Value, args []js.Value) any {
		e.receive(args[0])
		return nil
	})
	window.Call("addEventListener", "message", listener)
	cancel := b.Subscribe(func(event string, data any) {
		e.post(map[string]any{"type": msgEvent, "event": event, "data": data})
	})
	resized := js.FuncOf(func(js.Value, []js.Value) any {
		e.post(map[string]any{"type": msgResize, "height": contentHeight()})
		return nil
	})
	observer := window.Get("ResizeObserver").New(resized)
	observer.Call("observe", window.Get("document").Get("body"))
	// The host greeted us when the frame loaded, before this listener
	// existed; say we listen now. The message holds nothing, so any
	// origin may see it.
	if parent := window.Get("parent"); !parent.Equal(window) {
		parent.Call("postMessage", toJS(map[string]string{"type": msgListening}), "*")
	}
	return func() {
		observer.Call("disconnect")
		window.Call("removeEventListener", "message", listener)
		cancel()
		listener.Release()
		resized.Release()
	}
}

// contentHeight is the app's own height: the document's can be no smaller
// than the frame (a min-height of the viewport), so it would never shrink.
func contentHeight() int {
	doc := js.Global().Get("document")
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
	if !source.Equal(js.Global().Get("parent")) || source.Equal(js.Global()) {
		return
	}
	switch data.Get("type").String() {
	case msgHello:
		// The policy may ask the server, so not inside this callback.
		go e.hello(source, origin)
	case msgRequest:
		e.mu.Lock()
		allowed := e.origin != "" && origin == e.origin
		e.mu.Unlock()
		if !allowed {
			return
		}
		id := stringField(data, "id")
		if id == "" {
			return
		}
		req := api.Request{Method: stringField(data, "method"), Path: stringField(data, "path")}
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
			resp := e.backend.Do(ctx, req)
			e.post(map[string]any{"type": msgResponse, "id": id, "status": resp.Status, "body": resp.Body})
		}()
	}
}

// hello adopts source as the host if its origin may embed the app.
func (e *embed) hello(source js.Value, origin string) {
	if !e.policy.Allows(origin) {
		source.Call("postMessage", toJS(map[string]any{"type": msgRefused,
			"message": "This site may not embed waprivacy; the app's operator must allow " + origin + "."}), origin)
		return
	}
	e.mu.Lock()
	e.host, e.origin = source, origin
	e.mu.Unlock()
	e.post(map[string]any{"type": msgReady, "status": e.backend.Status()})
	e.post(map[string]any{"type": msgResize, "height": contentHeight()})
}

func stringField(v js.Value, name string) string {
	if f := v.Get(name); f.Type() == js.TypeString {
		return f.String()
	}
	return ""
}

// post sends msg to the host, if one said hello.
func (e *embed) post(msg map[string]any) {
	e.mu.Lock()
	host, origin := e.host, e.origin
	e.mu.Unlock()
	if origin == "" {
		return
	}
	host.Call("postMessage", toJS(msg), origin)
}
