//go:build js

package websocket

import (
	"fmt"
	"syscall/js"
)

// catchJS turns a panic caused by a JavaScript exception (js.Error) or a
// misuse of a JS value (*js.ValueError) into an error stored in *err. Use it
// deferred around every call into the browser. Other panics are Go bugs and
// are re-raised.
func catchJS(op string, err *error) {
	r := recover()
	if r == nil {
		return
	}
	switch e := r.(type) {
	case js.Error:
		*err = fmt.Errorf("websocket: %s: %w", op, e)
	case *js.ValueError:
		*err = fmt.Errorf("websocket: %s: %w", op, e)
	default:
		panic(r)
	}
}
