//go:build !js

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/waprivacy/waprivacy/web"
)

// wasmSizes reports what the build produced.
type wasmSizes struct {
	version           string
	raw, gzip, brotli int64
}

// handler describes the app to go-app: names, icons, styles, and the
// service worker.
func handler(version string) *app.Handler {
	return &app.Handler{
		Name:            "waprivacy",
		ShortName:       "waprivacy",
		Title:           "waprivacy · WhatsApp privacy controls",
		Description:     "WhatsApp privacy controls that run entirely in your browser.",
		Lang:            "en",
		BackgroundColor: "#f2f5f3",
		ThemeColor:      "#0b6b4f",
		Icon: app.Icon{
			Default:  "/web/icon-192.png",
			Large:    "/web/icon-512.png",
			SVG:      "/web/icon.svg",
			Maskable: "/web/icon-maskable-512.png",
		},
		Styles: []string{"/web/waprivacy.css"},
		// The header's logo, so the app looks whole offline too, and the
		// WebSocket shim: a page opened offline without it would, once back
		// online, have whatsmeow dial WhatsApp itself instead of the relay.
		CacheableResources: []string{"/web/icon.svg", "/web/relay-socket.js"},
		LoadingLabel:       "Loading waprivacy… {progress}%",
		// Start the wasm's download with the page, before the deferred
		// loader runs; crossorigin matches fetch's default mode, so the
		// preload is used.
		RawHeaders: []string{
			`<link rel="preload" href="/web/app.wasm" as="fetch" type="application/wasm" crossorigin>`,
			// whatsmeow dials wss://web.whatsapp.com/ws/chat; this classic,
			// synchronous script routes that URL to our relay (/ws) before
			// the deferred loader starts the wasm. See web/static/relay-socket.js.
			`<script src="/web/relay-socket.js"></script>`,
		},
		ServiceWorkerTemplate: web.ServiceWorker,
		// The wasm's content hash: caches and the service worker change
		// exactly when the app does.
		Version: version,
	}
}

// buildSite writes the whole site to a fresh directory next to out, then
// swaps it in, so a half-written site is never served.
func buildSite(out, wasmPath string, precompress bool) (wasmSizes, error) {
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		return wasmSizes{}, fmt.Errorf("reading the wasm build (run `make build`): %w", err)
	}
	sum := sha256.Sum256(wasm)
	sizes := wasmSizes{version: hex.EncodeToString(sum[:8]), raw: int64(len(wasm))}

	tmp := out + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return sizes, err
	}
	h := handler(sizes.version)
	if err := app.GenerateStaticWebsite(tmp, h); err != nil {
		return sizes, fmt.Errorf("generating pages: %w", err)
	}
	loader, err := loaderJS(h, sizes.raw)
	if err != nil {
		return sizes, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "app.js"), loader, 0o644); err != nil {
		return sizes, err
	}
	if err := copyAssets(filepath.Join(tmp, "web")); err != nil {
		return sizes, fmt.Errorf("copying assets: %w", err)
	}
	if err := copyWidget(tmp); err != nil {
		return sizes, fmt.Errorf("copying the widget: %w", err)
	}
	wasmOut := filepath.Join(tmp, "web", "app.wasm")
	if err := os.WriteFile(wasmOut, wasm, 0o644); err != nil {
		return sizes, err
	}
	if precompress {
		if err := precompressSite(tmp); err != nil {
			return sizes, fmt.Errorf("precompressing: %w", err)
		}
		if sizes.gzip, err = fileSize(wasmOut + ".gz"); err != nil {
			return sizes, err
		}
		if sizes.brotli, err = fileSize(wasmOut + ".br"); err != nil {
			return sizes, err
		}
	}
	if err := os.RemoveAll(out); err != nil {
		return sizes, err
	}
	return sizes, os.Rename(tmp, out)
}

// loaderConfig is what web/app.js needs from the build, written into it
// as JSON.
type loaderConfig struct {
	// Env is what go-app's wasm reads with goappGetenv: go-app's own
	// variables, which GenerateStaticWebsite sets in Handler.Env.
	Env          map[string]string `json:"env"`
	LoadingLabel string            `json:"loadingLabel"`
	Wasm         string            `json:"wasm"`
	// WasmSize is the wasm's uncompressed size, which the progress counts
	// up to whatever encoding the server picks.
	WasmSize int64  `json:"wasmSize"`
	Worker   string `json:"worker"`
}

// loaderJS is our /app.js for h, once GenerateStaticWebsite has set it up.
// It replaces go-app's loader, whose wrapped Response makes Chrome
// recompile the wasm on every visit.
func loaderJS(h *app.Handler, wasmSize int64) ([]byte, error) {
	config, err := json.Marshal(loaderConfig{
		Env:          h.Env,
		LoadingLabel: h.LoadingLabel,
		Wasm:         "/web/app.wasm",
		WasmSize:     wasmSize,
		Worker:       "/app-worker.js",
	})
	if err != nil {
		return nil, err
	}
	const placeholder = "{{.Config}}"
	if strings.Count(web.Loader, placeholder) != 1 || strings.Count(web.Loader, "{{.") != 1 {
		return nil, fmt.Errorf("web/app.js must hold %s once, and no other placeholder", placeholder)
	}
	return []byte(strings.Replace(web.Loader, placeholder, string(config), 1)), nil
}

// copyAssets writes the embedded static assets into dir.
func copyAssets(dir string) error {
	static, err := fs.Sub(web.Static, "static")
	if err != nil {
		return err
	}
	return os.CopyFS(dir, static)
}

// copyWidget writes widget.js and its types at the site's root, where
// third-party pages include it from.
func copyWidget(dir string) error {
	widget, err := fs.Sub(web.Widget, "widget")
	if err != nil {
		return err
	}
	return os.CopyFS(dir, widget)
}

func fileSize(name string) (int64, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}
