//go:build js

package tablock

import (
	"errors"
	"fmt"
	"syscall/js"
)

type grant struct {
	resolve js.Value // settles the promise that keeps the lock
	err     error
}

// Acquire takes the lock called name, or fails at once with ErrHeld. It
// waits for the browser, so it must not be called from inside a js.FuncOf
// callback.
func Acquire(name string) (*Lock, error) {
	locks := js.Global().Get("navigator").Get("locks")
	if !locks.Truthy() {
		return nil, errors.New("tablock: this browser has no Web Locks API (navigator.locks)")
	}
	result := make(chan grant, 1)
	send := func(g grant) {
		select {
		case result <- g:
		default:
		}
	}
	// The browser calls granted with the lock, or with null when it is
	// taken (ifAvailable). The lock is held until the promise returned
	// from the callback settles.
	granted := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) == 0 || args[0].IsNull() {
			send(grant{err: ErrHeld})
			return nil
		}
		var resolve js.Value
		executor := js.FuncOf(func(_ js.Value, args []js.Value) any {
			resolve = args[0]
			return nil
		})
		held := js.Global().Get("Promise").New(executor) // runs executor now
		executor.Release()
		send(grant{resolve: resolve})
		return held
	})
	// The request's promise settles once the lock is given up.
	settled := make(chan struct{})
	done := js.FuncOf(func(js.Value, []js.Value) any {
		close(settled)
		return nil
	})
	failed := js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := "the request was rejected"
		if len(args) > 0 && args[0].Truthy() {
			msg = args[0].Call("toString").String()
		}
		send(grant{err: fmt.Errorf("tablock: locking %q: %s", name, msg)})
		close(settled)
		return nil
	})
	release := func() {
		granted.Release()
		done.Release()
		failed.Release()
	}
	if err := request(locks, name, granted, done, failed); err != nil {
		release()
		return nil, err
	}
	g := <-result
	if g.err != nil {
		<-settled // the browser is done calling back
		release()
		return nil, g.err
	}
	return &Lock{release: func() {
		g.resolve.Invoke()
		<-settled // so that an Acquire right after succeeds
		release()
	}}, nil
}

// request calls navigator.locks.request, turning a thrown exception (for
// example a SecurityError in an opaque origin) into an error.
func request(locks js.Value, name string, granted, done, failed js.Func) (err error) {
	defer func() {
		if r := recover(); r != nil {
			jsErr, ok := r.(js.Error)
			if !ok {
				panic(r)
			}
			err = fmt.Errorf("tablock: locking %q: %w", name, jsErr)
		}
	}()
	locks.Call("request", name, map[string]any{"ifAvailable": true}, granted).Call("then", done, failed)
	return nil
}
