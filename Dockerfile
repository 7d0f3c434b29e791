# The waprivacy proxy in one image: it serves the static site (the wasm
# app) and relays the app's WebSocket to WhatsApp.
#
#   docker build -t waprivacy .
#   docker run -p 8080:8080 waprivacy
#
# Configure it with the WAPRIVACY_* variables of README.md, e.g.
# -e WAPRIVACY_TRUSTED_PROXIES=10.0.0.0/8 behind a load balancer.

# Build stage: the toolchain, the wasm app with its precompressed variants,
# the site in dist/ and bin/proxy, all by `make build`.
FROM golang:1.26-bookworm AS build
WORKDIR /src
# Modules first, so that a source change reuses the download layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static binaries (no cgo), so the final image needs no C library.
RUN CGO_ENABLED=0 make build

# Final stage: distroless holds CA certificates (for wss://web.whatsapp.com)
# and a non-root user, and nothing else — no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/bin/proxy /proxy
COPY --from=build /src/dist /dist
USER nonroot:nonroot
ENV WAPRIVACY_LISTEN=:8080 \
    WAPRIVACY_DIST=/dist \
    WAPRIVACY_LOG_FORMAT=json
EXPOSE 8080
# No HEALTHCHECK: the image has no shell or HTTP client to run one; point
# the orchestrator's or load balancer's probe at GET /healthz instead.
ENTRYPOINT ["/proxy"]
