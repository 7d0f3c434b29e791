//go:build js

package jsapi

import (
	"context"
	"fmt"
	"strings"
	"syscall/js"
	"testing"
	"time"

	"github.com/waprivacy/waprivacy/wasm/session"
	"github.com/waprivacy/waprivacy/wasm/storage/storagetest"
)

// install puts window.waprivacy over a real manager with no account.
func install(t *testing.T) js.Value {
	t.Helper()
	container, err := storagetest.OpenMemory(context.Background(), t.Name())
	if err != nil {
		t.Fatal(err)
	}
	m := session.NewManager(context.Background(), container, session.Options{})
	t.Cleanup(m.Close)
	uninstall := Install("waprivacy", NewBackend(m, func() string { return "" }))
	t.Cleanup(uninstall)
	return js.Global().Get("waprivacy")
}

// await waits for a promise from the test goroutine (not a callback, so
// blocking here is allowed).
func await(t *testing.T, p js.Value) (value js.Value, rejected bool) {
	t.Helper()
	done := make(chan struct{})
	onResolve := js.FuncOf(func(_ js.Value, args []js.Value) any { value = args[0]; close(done); return nil })
	onReject := js.FuncOf(func(_ js.Value, args []js.Value) any { value, rejected = args[0], true; close(done); return nil })
	defer onResolve.Release()
	defer onReject.Release()
	p.Call("then", onResolve, onReject)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the promise never settled")
	}
	return value, rejected
}

func jsonText(v js.Value) string { return js.Global().Get("JSON").Call("stringify", v).String() }

func TestRequestAnswersWithStatusAndBody(t *testing.T) {
	w := install(t)
	for _, tc := range []struct {
		method, path string
		body         any
		want         string
	}{
		{"GET", "/profile/privacy", nil, `{"status":503,"body":{"success":false,"error":{"message":"Not connected to WhatsApp. Check that this device is linked and online, then try again."}}}`},
		{"GET", "/nowhere", nil, `{"status":404,"body":{"success":false,"error":{"message":"Unknown path: /nowhere"}}}`},
		{"PUT", "/privacy/photo", nil, `{"status":405,"body":{"success":false,"error":{"message":"Method PUT is not allowed for /privacy/photo; use POST"}}}`},
		{"POST", "/privacy/photo", `{"visualizationType":`, `{"status":400,"body":{"success":false,"error":{"message":"Invalid request body: unexpected end of JSON input"},"errors":[{"field":"","message":"Invalid request body: unexpected end of JSON input"}]}}`},
		// A JavaScript object is sent as its JSON.
		{"POST", "/privacy/photo", map[string]any{"visualizationType": "SOMETIMES"}, `"Invalid visualizationType value: SOMETIMES. Valid values: ALL, CONTACTS, CONTACT_BLACKLIST, NONE"`},
	} {
		args := []any{tc.method, tc.path}
		if tc.body != nil {
			args = append(args, tc.body)
		}
		v, rejected := await(t, w.Call("request", args...))
		got := jsonText(v)
		if rejected || (got != tc.want && !strings.Contains(got, tc.want)) {
			t.Errorf("%s %s: rejected=%v %s\nwant %s", tc.method, tc.path, rejected, got, tc.want)
		}
	}
}

func TestRequestRejectsCallsThatAreNotRequests(t *testing.T) {
	w := install(t)
	for _, args := range [][]any{{}, {"GET"}, {42, "/profile/privacy"}} {
		v, rejected := await(t, w.Call("request", args...))
		if !rejected || v.Get("name").String() != "TypeError" {
			t.Errorf("request%v: want a TypeError rejection, got %s", args, jsonText(v))
		}
	}
}

func TestHundredConcurrentRequestsFromJavaScript(t *testing.T) {
	w := install(t)
	promises := make([]any, 100)
	for i := range promises {
		promises[i] = w.Call("request", "POST", fmt.Sprintf("/privacy/messages-duration?value=v%d", i))
	}
	v, rejected := await(t, js.Global().Get("Promise").Call("all", js.ValueOf(promises)))
	if rejected {
		t.Fatal(jsonText(v))
	}
	for i := range 100 {
		msg := v.Index(i).Get("body").Get("error").Get("message").String()
		if want := fmt.Sprintf("Invalid value value: v%d. Valid values: disable, hours24, days7, days90", i); msg != want {
			t.Errorf("answer %d: %q", i, msg)
		}
	}
}

func TestStatusAndOn(t *testing.T) {
	w := install(t)
	if got := jsonText(w.Call("status")); got != `{"state":"no-account"}` {
		t.Errorf("status() = %s", got)
	}
	off := w.Call("on", "privacy", js.FuncOf(func(js.Value, []js.Value) any { return nil }))
	if off.Type() != js.TypeFunction {
		t.Fatalf("on() returned %s, want an unsubscribe function", off.Type())
	}
	off.Invoke()
	off.Invoke() // twice is harmless
	// A wrong call subscribes nothing and does not end the program.
	if bad := w.Call("on", "weather", 5); bad.Type() != js.TypeFunction {
		t.Errorf("a wrong on() call returned %s", bad.Type())
	}
}
