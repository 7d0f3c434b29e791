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
)

// requestTimeout bounds one request from JavaScript; the engine's own
// timeouts are shorter, so this only catches the unexpected.
const requestTimeout = 60 * time.Second

// Install defines globalThis[name] = {request, on, status} over b and
// returns a function that removes it and releases its callbacks.
func Install(name string, b Backend) (uninstall func()) {
	var funcs []js.Func
	fn := func(f func(args []js.Value) any) js.Value {
		jf := js.FuncOf(func(_ js.Value, args []js.Value) any { return f(args) })
		funcs = append(funcs, jf)
		return jf.Value
	}
	obj := js.Global().Get("Object").New()
	obj.Set("request", fn(func(args []js.Value) any { return request(b, args) }))
	obj.Set("on", fn(func(args []js.Value) any { return on(b, args) }))
	obj.Set("status", fn(func([]js.Value) any { return toJS(b.Status()) }))
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
	return promise(func() any {
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

// on implements waprivacy.on(event, fn) and returns a function that
// unsubscribes. A Go panic here would end the whole program rather than
// throw, so a wrong call is reported on the console and subscribes
// nothing.
func on(b Backend, args []js.Value) any {
	if len(args) < 2 || args[0].Type() != js.TypeString || args[1].Type() != js.TypeFunction ||
		!knownEvent(args[0].String()) {
		js.Global().Get("console").Call("error", `waprivacy.on(event, fn): event must be "connection" or "privacy" and fn a function; nothing was subscribed`)
		return js.FuncOf(func(js.Value, []js.Value) any { return nil }) // released with the page
	}
	event, fn := args[0].String(), args[1]
	cancel := b.Subscribe(func(name string, data any) {
		if name == event {
			// Calling JavaScript from the publisher's goroutine is fine:
			// it is not a js.FuncOf callback, and fn gets a copy.
			fn.Invoke(toJS(data))
		}
	})
	var off js.Func
	var once sync.Once
	off = js.FuncOf(func(js.Value, []js.Value) any {
		once.Do(func() {
			cancel()
			off.Release()
		})
		return nil
	})
	return off
}

// promise runs work on its own goroutine — never inside the js.FuncOf
// callback, which would deadlock the page — and settles a Promise with its
// JSON-encodable result.
func promise(work func() any) js.Value {
	var executor js.Func
	executor = js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			defer executor.Release()
			result := work()
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

func rejected(message string) js.Value {
	return js.Global().Get("Promise").Call("reject", js.Global().Get("TypeError").New(message))
}

// toJS converts a JSON-encodable Go value to a JavaScript value through
// JSON, so JavaScript gets plain objects whose fields are named as in the
// APIs.
func toJS(v any) js.Value {
	data, err := json.Marshal(v)
	if err != nil {
		return js.Undefined()
	}
	return js.Global().Get("JSON").Call("parse", string(data))
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
