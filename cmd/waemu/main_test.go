package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"testing"
	"time"
)

func TestReadyLineThenServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, "127.0.0.1:0", "", pw, slog.New(slog.NewTextHandler(io.Discard, nil))) }()

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
	err := run(context.Background(), "127.0.0.1:notaport", "", io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil {
		t.Fatal("run accepted a bad address")
	}
}
