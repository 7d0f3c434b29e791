# waprivacy: `make run` builds and serves on :8080; `make test` runs every
# test, headless-browser ones included.

GO        ?= go
LISTEN    ?= :8080
# Extra arguments for the proxy, e.g. ARGS='-upstream ws://127.0.0.1:7400/ws/chat'.
ARGS      ?=

# The wasm build uses go.mod as it is: whatsmeow dials through
# github.com/coder/websocket's own js build, and web/static/relay-socket.js
# routes its WhatsApp URL to the relay in the page.
WASM_ENV  := GOOS=js GOARCH=wasm
# Both wasm builds: nethttpomithttp2 drops net/http's bundled HTTP/2 (the
# browser's fetch speaks it); no inlining outside the runtime makes the
# brotli wasm 15% smaller (6.03 -> 5.13 MB) at no measured cost to start
# times (see cmd/app/speed_browser_test.go). Measured 2026-12 (issue 14)
# with wasm/storage's benchmarks in Chromium, ms/op:
#   no inlining but the runtime               5.13 MB  open 37-40  commit 1.8
#   plus inlining in github.com/ncruces/... and wasm/idbvfs, wasm/storage
#                                             5.53 MB  open 37-39  commit 1.8
#   inlining everywhere but go-sqlite3-wasm   5.67 MB  open 32-34  commit 1.8
#   inlining everywhere                       6.03 MB  open 30-36  commit 1.6-1.8
# Inlining in the translated SQLite (go-sqlite3-wasm) costs its pclntab
# +0.9 MB raw (+0.37 MB brotli) for no measured speed. The faster open is
# not SQLite's: loading a device, whatsmeow derives its three public keys
# (curve25519), and field arithmetic with math/bits not inlined is 3-4x
# slower in wasm. So math/bits and the curve packages (which the Noise
# handshake and Signal use too) keep inlining, for +8 KB brotli (all of
# crypto/... would cost +67 KB). BenchmarkGetAllDevices, 3 devices, one
# run interleaved: 9.4-31 ms without, 2.7-6.6 ms with, 2.8-5.2 ms with
# inlining everywhere; in the page, the handshake's step from the server's
# hello to the client's finish went from 19 to 5 ms.
WASM_BUILD := $(WASM_ENV) $(GO) build -trimpath -tags nethttpomithttp2 \
	-gcflags=all=-l -gcflags=runtime= -gcflags=math/bits= \
	-gcflags=crypto/internal/fips140/edwards25519/...= \
	-gcflags=crypto/internal/fips140/ecdh= -gcflags=crypto/ecdh= \
	-gcflags=golang.org/x/crypto/curve25519= \
	-gcflags=filippo.io/edwards25519/...= \
	-ldflags='-s -w'
GO_FILES  := $(shell find cmd proxy wasm web -name '*.go' -not -name '*_test.go') go.mod go.sum
WEB_FILES := $(shell find web -type f)

# The demo: the emulated WhatsApp server, the app built to trust it, and a
# third-party page that embeds it with the widget. The proxy learns the
# current WhatsApp Web version from the emulator's page, as it would from
# web.whatsapp.com.
DEMO_EMU  := 127.0.0.1:7400
DEMO_HOST := 127.0.0.1:8081

.PHONY: run build demo test test-native test-browser bench-nginx bench-nginx-tls bench-page fuzz clean

run: build
	bin/proxy -listen $(LISTEN) -dist dist $(ARGS)

build: dist/index.html bin/proxy

# Written through a temporary file and replaced only when it changed, so an
# unchanged app does not pay for recompression.
build/app.wasm: $(GO_FILES) Makefile
	$(WASM_BUILD) -o build/app.wasm.new ./cmd/app
	@if cmp -s build/app.wasm.new $@; then rm build/app.wasm.new; else mv build/app.wasm.new $@; fi

dist/index.html: build/app.wasm $(WEB_FILES)
	$(GO) run ./cmd/app -out dist -wasm build/app.wasm
	@touch $@

bin/proxy: $(GO_FILES)
	$(GO) build -o $@ ./cmd/proxy

bin/waemu: $(GO_FILES)
	$(GO) build -o $@ ./cmd/waemu

bin/widgetdemo: $(GO_FILES) cmd/widgetdemo/host.html
	$(GO) build -o $@ ./cmd/widgetdemo

# Everything offline: the emulator plays WhatsApp and the phone (its state
# survives restarts in build/demo-state.json), the proxy relays to it, and
# a page on another origin embeds the app with the widget.
demo: build/demo-site/index.html bin/proxy bin/waemu bin/widgetdemo
	@bin/waemu -listen $(DEMO_EMU) -state build/demo-state.json > build/waemu.out & emu=$$!; \
		bin/widgetdemo -listen $(DEMO_HOST) -app http://localhost$(LISTEN) & host=$$!; \
		trap 'kill $$emu $$host 2>/dev/null' EXIT INT TERM; \
		until grep -qs listening build/waemu.out; do \
			kill -0 $$emu 2>/dev/null || { echo "demo: the emulator did not start (is $(DEMO_EMU) in use?)"; exit 1; }; \
			sleep 0.1; \
		done; \
		echo "demo: open http://localhost$(LISTEN) and, as the phone, http://$(DEMO_EMU)/phone"; \
		bin/proxy -listen $(LISTEN) -dist build/demo-site \
			-upstream ws://$(DEMO_EMU)/ws/chat -upstream-origin http://$(DEMO_EMU) \
			-wa-version-source http://$(DEMO_EMU)/ \
			-frame-ancestors http://$(DEMO_HOST) $(ARGS)

build/app-demo.wasm: $(GO_FILES) Makefile
	$(WASM_BUILD) -tags nethttpomithttp2,waemu -o build/app-demo.wasm.new ./cmd/app
	@if cmp -s build/app-demo.wasm.new $@; then rm build/app-demo.wasm.new; else mv build/app-demo.wasm.new $@; fi

build/demo-site/index.html: build/app-demo.wasm $(WEB_FILES)
	$(GO) run ./cmd/app -out build/demo-site -wasm build/app-demo.wasm
	@touch $@

bin/relayload: $(GO_FILES)
	$(GO) build -o $@ ./cmd/relayload

# The relay against nginx (Debian's package) in front of the same upstream:
# memory per idle session, p99 added latency, throughput (issue 7).
bench-nginx:
	$(GO) test -run '^$$' -bench 'VersusNginx$$' -benchtime=1x ./cmd/relayload

# The costs in production, with the upstream over TLS as WhatsApp's is:
# memory per idle session and CPU per 1,000 keepalive pings, against nginx
# checking the same upstream's certificate (issue 13).
bench-nginx-tls:
	$(GO) test -run '^$$' -bench VersusNginxTLS -benchtime=1x ./cmd/relayload

# What a person gets in the page at 50 ms RTT, through the relay (issue
# 14): this tree's demo build against BASELINE's, interleaved, ROUNDS
# rounds, side by side in one run. BASELINE is any commit; its demo site
# is built once under build/baseline-<commit>.
BASELINE ?= HEAD
ROUNDS   ?= 10
bench-page: build/demo-site/index.html
	@rev=$$(git rev-parse --short $(BASELINE)) && dir=build/baseline-$$rev && \
	if [ ! -f $$dir/build/demo-site/index.html ]; then \
		rm -rf $$dir && mkdir -p $$dir && git archive $$rev | tar -x -C $$dir && \
		$(MAKE) -C $$dir build/demo-site/index.html || exit 1; \
	fi && \
	WAPRIVACY_DEMO_DIST=$(CURDIR)/build/demo-site WAPRIVACY_BASELINE_DEMO_DIST=$(CURDIR)/$$dir/build/demo-site \
		$(GO) test -tags browser -run '^$$' -bench 'BrowserPage$$' -benchtime=$(ROUNDS)x -timeout 60m ./cmd/app

# The fuzz targets of the proxy's parsers, 30 s each.
fuzz:
	for t in FuzzFrameScanner FuzzClientIP FuzzParseTrustedProxies FuzzConfig FuzzOriginPolicy FuzzParseClientRevision FuzzClientRevisionInPage; do \
		$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime 30s ./proxy || exit 1; \
	done

bin/wasmbrowsertest: go.mod go.sum
	$(GO) build -o $@ github.com/agnivade/wasmbrowsertest

test: test-native test-browser

# Every package runs under the race detector. (Before whatsmeow made
# FrameSocket's conn an atomic pointer, its SendFrame raced with Close and
# six packages had to run without it.)
test-native:
	@unformatted="$$(gofmt -l cmd proxy wasm)"; if [ -n "$$unformatted" ]; then echo "gofmt -w these:" $$unformatted; exit 1; fi
	$(GO) vet ./...
	$(GO) test -race ./...
	$(GO) test -race -tags waemu ./wasm/emutrust ./wasm/ui

# Packages whose Go runs in the browser, tested there by wasmbrowsertest.
WASM_TESTED := ./wasm/jsapi
# Packages with TestBrowser… tests (build tag browser), which drive
# Chromium themselves.
BROWSER_TESTED := ./proxy ./cmd/app ./wasm/idbvfs ./wasm/tablock ./wasm/storage

# Browser tests need the built site and the wasm test runner.
# wasm/transporttest runs from proxy's TestBrowserTransportThroughRelay,
# which starts the relay and serves the relay-socket.js those tests load.
test-browser: build build/demo-site/index.html bin/wasmbrowsertest
	$(WASM_ENV) $(GO) vet $(WASM_TESTED) ./wasm/crash ./wasm/transporttest ./wasm/idbvfs ./wasm/tablock ./wasm/storage/... ./cmd/app ./wasm/ui
	$(WASM_ENV) $(GO) test -exec $(CURDIR)/bin/wasmbrowsertest -count=1 $(WASM_TESTED)
	WAPRIVACY_DIST=$(CURDIR)/dist WAPRIVACY_DEMO_DIST=$(CURDIR)/build/demo-site \
		$(GO) test -tags dist -count=1 -run Dist ./cmd/app
	WAPRIVACY_DIST=$(CURDIR)/dist WAPRIVACY_DEMO_DIST=$(CURDIR)/build/demo-site \
	WAPRIVACY_WASM_EXEC=$(CURDIR)/bin/wasmbrowsertest \
		$(GO) test -tags browser -count=1 -run Browser $(BROWSER_TESTED)

clean:
	rm -rf build bin dist dist.tmp
