//go:build !js

// Command app is the waprivacy web app. Built for js/wasm it is the app that
// runs in the browser; built natively it writes the static site (pages,
// loader, service worker, assets and the precompressed wasm) for the proxy
// to serve.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
)

func main() {
	out := flag.String("out", "dist", "directory to write the static site to (replaced as a whole)")
	wasm := flag.String("wasm", "build/app.wasm", "the js/wasm build of this command")
	precompress := flag.Bool("precompress", true, "write brotli and gzip variants (minutes for the wasm; skip for a quick local build)")
	flag.Parse()

	registerRoutes()
	sizes, err := buildSite(*out, *wasm, *precompress)
	if err != nil {
		fmt.Fprintln(os.Stderr, "app: building the site:", err)
		os.Exit(1)
	}
	slog.Info("site written", "dir", *out, "version", sizes.version,
		"wasm_bytes", sizes.raw, "wasm_gzip_bytes", sizes.gzip, "wasm_brotli_bytes", sizes.brotli)
}
