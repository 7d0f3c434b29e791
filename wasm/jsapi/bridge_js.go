//go:build js

package jsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"syscall/js"
	"time"

	"github.com/waprivacy/waprivacy/wasm/api"
	"github.com/waprivacy/waprivacy/wasm/crash"
	"github.com/waprivacy/waprivacy/wasm/jscatch"
)

// requestTimeout bounds one request from JavaScript; the engine's own
// timeouts are shorter, so this only catches the unexpected.
const requestTimeout = 60 * time.Second

// Install defines globalThis[name] = {request, on, status} over b and
// returns a function that removes it and releases its callbacks.
func Install(name string, b Backend) (uninstall func()) {
	var funcs []js.Func
	fn := func(name string, f func(args []js.Value) any, fallback func() any) js.Value {
		jf := js.FuncOf(guarded("waprivacy."+name+"()", f, fallback))
		funcs = append(funcs, jf)
		return jf.Value
	}
	obj := js.Global().Get("Object").New()
	obj.Set("request", fn("request", func(args []js.Value) any { return request(b, args) },
		func() any { return rejectedWith("Error", internalError) }))
	obj.Set("on", fn("on", func(args []js.Value) any { return on(b, args) }, func() any { return noop }))
	obj.Set("status", fn("status", func([]js.Value) any { return toJS(b.Status()) }, func() any { return nil }))
	js.Global().Set(name, obj)
	return func() {
		js.Global().Delete(name)
		for _, f := range funcs {
			f.Release()
		}
	}
}

// request implements waprivacy.request(method, path, body): a Promise of
// {status, body}. It never rejects for an API error (those are statuses,
// as over HTTP); it rejects only for a call that cannot be a request.
func request(b Backend, args []js.Value) any {
	if len(args) < 2 || args[0].Type() != js.TypeString || args[1].Type() != js.TypeString {
		return rejected("waprivacy.request(method, path, body?): method and path must be strings")
	}
	req := api.Request{Method: args[0].String(), Path: args[1].String()}
	if len(args) > 2 {
		body, err := bodyBytes(args[2])
		if err != nil {
			return rejected(err.Error())
		}
		req.Body = body
	}
	return Promise("a waprivacy.request()", func() any {
		ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
		defer cancel()
		return b.Do(ctx, req)
	})
}

// bodyBytes accepts a body as JavaScript gives it: a string is sent as it
// is (so broken JSON reaches the validator), anything else as its JSON.
func bodyBytes(v js.Value) ([]byte, error) {
	switch v.Type() {
	case js.TypeUndefined, js.TypeNull:
		return nil, nil
	case js.TypeString:
		return []byte(v.String()), nil
	}
	s, err := stringify(v)
	if err != nil {
		return nil, fmt.Errorf("waprivacy.request: the body cannot be sent as JSON: %v", err)
	}
	return []byte(s), nil
}

// internalError is the rejection of a request the app failed to answer
// because of a bug (a recovered panic, shown over the page).
const internalError = "waprivacy: the app failed while answering; see the console"

// guarded wraps the body of a js.FuncOf: a Go panic inside a callback
// from JavaScript would stop the whole program, so it is recovered and
// reported (crash), and the call returns fallback() instead.
func guarded(where string, f func(args []js.Value) any, fallback func() any) func(js.Value, []js.Value) any {
	return func(_ js.Value, args []js.Value) (result any) {
		if !crash.Run(where, func() { result = f(args) }) {
			return fallback()
		}
		return result
	}
}

// noop is what a wrong on() call returns: an unsubscribe that does
// nothing, kept for the life of the page.
var noop = js.FuncOf(func(js.Value, []js.Value) any { return nil })

// on implements waprivacy.on(event, fn) and returns a function that
// unsubscribes. A Go panic here would end the whole program rather than
// throw, so a wrong call is reported on the console and subscribes
// nothing.
func on(b Backend, args []js.Value) any {
	if len(args) < 2 || args[0].Type() != js.TypeString || args[1].Type() != js.TypeFunction ||
		!knownEvent(args[0].String()) {
		consoleError(`waprivacy.on(event, fn): event must be "connection" or "privacy" and fn a function; nothing was subscribed`)
		return noop
	}
	event, fn := args[0].String(), args[1]
	cancel := b.Subscribe(func(name string, data any) {
		if name == event {
			// The publisher's goroutine must never see a panic: not
			// ours, and not the listener's exception (deliver).
			crash.Run("the "+event+" event", func() { deliver(fn, event, data) })
		}
	})
	var off js.Func
	var once sync.Once
	off = js.FuncOf(guarded("waprivacy.on()'s unsubscribe", func([]js.Value) any {
		once.Do(func() {
			cancel()
			off.Release()
		})
		return nil
	}, func() any { return nil }))
	return off
}

// deliver calls the page's listener fn with data, asynchronously, as
// promise reactions do: Promise.resolve(data).then(fn).catch(report). A
// listener that throws, or returns a promise that rejects, is then
// reported on the console and ignored; called directly from Go, its
// exception would be a Go panic on the publisher's goroutine, which ends
// the program. Listeners are called in the order the events came.
func deliver(fn js.Value, event string, data any) {
	err := jscatch.Do(func() {
		console := js.Global().Get("console")
		report := console.Get("error").Call("bind", console, `waprivacy: a "`+event+`" listener threw; the event was delivered to the others:`)
		js.Global().Get("Promise").Call("resolve", toJS(data)).Call("then", fn).Call("catch", report)
	})
	if err != nil {
		consoleError(`waprivacy: a "` + event + `" event could not be delivered: ` + err.Error())
	}
}

// consoleError writes to console.error, which a page script may have
// replaced with something that throws.
func consoleError(args ...any) {
	_ = jscatch.Do(func() { js.Global().Get("console").Call("error", args...) })
}

// Promise runs work on its own goroutine — never inside the js.FuncOf
// callback, which would deadlock the page — and settles a Promise with its
// JSON-encodable result; where names the work in a crash report.
func Promise(where string, work func() any) js.Value {
	var executor js.Func
	executor = js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			defer executor.Release()
			var result any
			if !crash.Run(where, func() { result = work() }) {
				reject.Invoke(js.Global().Get("Error").New(internalError))
				return
			}
			v := toJS(result)
			if v.IsUndefined() && result != nil {
				reject.Invoke(js.Global().Get("Error").New("waprivacy: the answer could not be encoded"))
				return
			}
			resolve.Invoke(v)
		}()
		return nil
	})
	return js.Global().Get("Promise").New(executor)
}

func rejected(message string) js.Value { return rejectedWith("TypeError", message) }

// rejectedWith is a promise rejected with a new JavaScript error of the
// class named (Error, TypeError).
func rejectedWith(class, message string) js.Value {
	return js.Global().Get("Promise").Call("reject", js.Global().Get(class).New(message))
}

// toJS converts a JSON-encodable Go value to a JavaScript value through
// JSON, so JavaScript gets plain objects whose fields are named as in the
// APIs. Undefined means it could not be (JSON.parse may be the page's own).
func toJS(v any) js.Value {
	data, err := json.Marshal(v)
	if err != nil {
		return js.Undefined()
	}
	out := js.Undefined()
	if jscatch.Do(func() { out = js.Global().Get("JSON").Call("parse", string(data)) }) != nil {
		return js.Undefined()
	}
	return out
}

// stringify is JSON.stringify, with a thrown exception as an error.
func stringify(v js.Value) (s string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	out := js.Global().Get("JSON").Call("stringify", v)
	if out.Type() != js.TypeString {
		return "", fmt.Errorf("it is %s", v.Type())
	}
	return out.String(), nil
}
