# waprivacy: `make run` builds and serves on :8080; `make test` runs every
# test, headless-browser ones included.

GO        ?= go
LISTEN    ?= :8080
# Extra arguments for the proxy, e.g. ARGS='-upstream ws://127.0.0.1:7400/ws/chat'.
ARGS      ?=

# The wasm build swaps github.com/coder/websocket for our browser transport
# (wasm/wsjs) through an alternate module file; native builds keep the real
# module. See wasm/wsjs/doc.go.
WASM_MOD  := build/wasm.mod
WASM_ENV  := GOOS=js GOARCH=wasm
GO_FILES  := $(shell find cmd proxy wasm web -name '*.go' -not -name '*_test.go') go.mod go.sum
WEB_FILES := $(shell find web -type f)

.PHONY: run build test test-native test-browser clean

run: build
	bin/proxy -listen $(LISTEN) -dist dist $(ARGS)

build: dist/index.html bin/proxy

$(WASM_MOD): go.mod go.sum
	@mkdir -p build
	cp go.mod $(WASM_MOD)
	cp go.sum build/wasm.sum
	$(GO) mod edit -modfile=$(WASM_MOD) -replace github.com/coder/websocket=$(CURDIR)/wasm/wsjs

# Written through a temporary file and replaced only when it changed, so an
# unchanged app does not pay for recompression.
build/app.wasm: $(WASM_MOD) $(GO_FILES)
	$(WASM_ENV) $(GO) build -modfile=$(WASM_MOD) -trimpath -ldflags='-s -w' -o build/app.wasm.new ./cmd/app
	@if cmp -s build/app.wasm.new $@; then rm build/app.wasm.new; else mv build/app.wasm.new $@; fi

dist/index.html: build/app.wasm $(WEB_FILES)
	$(GO) run ./cmd/app -out dist -wasm build/app.wasm
	@touch $@

bin/proxy: $(GO_FILES)
	$(GO) build -o $@ ./cmd/proxy

bin/wasmbrowsertest: go.mod go.sum
	$(GO) build -o $@ github.com/agnivade/wasmbrowsertest

test: test-native test-browser

test-native:
	$(GO) vet ./...
	$(GO) test -race ./...

# Browser tests need the built site and the wasm test runner.
test-browser: build bin/wasmbrowsertest $(WASM_MOD)
	cd wasm/wsjs && $(WASM_ENV) $(GO) vet .
	WAPRIVACY_DIST=$(CURDIR)/dist WAPRIVACY_WASM_EXEC=$(CURDIR)/bin/wasmbrowsertest WAPRIVACY_WASM_MOD=$(CURDIR)/$(WASM_MOD) \
		$(GO) test -tags browser -count=1 ./...

clean:
	rm -rf build bin dist dist.tmp
