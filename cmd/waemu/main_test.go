package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
)

func TestReadyLineThenServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	opts := emulator.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), CurrentClientVersion: "2.3000.1012345678"}
	go func() { done <- run(ctx, "127.0.0.1:0", opts, pw) }()

	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^waemu listening on (http://127\.0\.0\.1:\d+)\n$`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("ready line %q", line)
	}
	resp, err := http.Get(m[1] + "/control/trust")
	if err != nil {
		t.Fatal(err)
	}
	var trust struct{ RootKey string }
	err = json.NewDecoder(resp.Body).Decode(&trust)
	resp.Body.Close()
	if err != nil || len(trust.RootKey) != 44 {
		t.Fatalf("trust %+v, %v", trust, err)
	}
	// The root page publishes the configured version.
	resp, err = http.Get(m[1] + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), `"client_revision":1012345678,`) {
		t.Fatalf("root page %s", page)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

func TestBadListenAddress(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	err := run(context.Background(), "127.0.0.1:notaport", emulator.Options{Logger: quiet}, io.Discard)
	if err == nil {
		t.Fatal("run accepted a bad address")
	}
	if err := run(context.Background(), "127.0.0.1:0", emulator.Options{Logger: quiet, MinClientVersion: "2.3000.x"}, io.Discard); err == nil {
		t.Fatal("run accepted a malformed -min-client-version")
	}
}
