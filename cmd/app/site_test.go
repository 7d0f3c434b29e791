//go:build !js

package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// TestLoaderJSWritesItsConfiguration: /app.js holds the build's
// configuration as JSON, quotes in the label included.
func TestLoaderJSWritesItsConfiguration(t *testing.T) {
	h := &app.Handler{
		LoadingLabel: `Loading "waprivacy"… {progress}%`,
		Env:          map[string]string{"GOAPP_VERSION": "0123456789abcdef", "GOAPP_ROOT_PREFIX": "/"},
	}
	js, err := loaderJS(h, 41_000_000)
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for l := range strings.Lines(string(js)) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "const config = "); ok {
			line = strings.TrimSuffix(rest, ";")
		}
	}
	var got loaderConfig
	if err := json.Unmarshal([]byte(line), &got); err != nil {
		t.Fatalf("the loader's configuration %q: %v", line, err)
	}
	want := loaderConfig{Env: h.Env, LoadingLabel: h.LoadingLabel, Wasm: "/web/app.wasm", WasmSize: 41_000_000, Worker: "/app-worker.js"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the loader's configuration is %+v, want %+v", got, want)
	}
	if strings.Contains(string(js), "{{") {
		t.Error("the loader still holds a placeholder")
	}
}
