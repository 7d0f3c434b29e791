// Package waversion makes whatsmeow introduce itself with the WhatsApp Web
// version that WhatsApp currently serves. WhatsApp refuses a client it
// considers outdated (<failure reason="405">), and a browser cannot read
// web.whatsapp.com to learn the version, so the proxy learns it and serves
// it same-origin as /wa-version; until it answers, or if it cannot, the
// version this build of whatsmeow carries is used.
package waversion

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"go.mau.fi/whatsmeow/store"
)

// Learner fetches the version once and lets connections wait for it.
type Learner struct {
	done chan struct{}
	once sync.Once
	err  error
	used store.WAVersionContainer
}

// Learn starts fetching url (the proxy's /wa-version) with client; a nil
// client is http.DefaultClient. ctx bounds the fetch.
func Learn(ctx context.Context, client *http.Client, url string) *Learner {
	l := &Learner{done: make(chan struct{})}
	go func() {
		defer close(l.done)
		v, err := fetch(ctx, client, url)
		if err != nil {
			l.err = err
			return
		}
		store.SetWAVersion(v)
		l.used = v
	}()
	return l
}

// Wait returns once the fetch has ended or ctx is done, whichever is
// first; the build's own version stays in use when the fetch failed.
func (l *Learner) Wait(ctx context.Context) {
	select {
	case <-l.done:
	case <-ctx.Done():
	}
}

// Result is the version in use after the fetch and why the build's own is
// used instead, if it is. Call it after Wait.
func (l *Learner) Result() (store.WAVersionContainer, error) {
	select {
	case <-l.done:
		if l.err != nil {
			return store.GetWAVersion(), l.err
		}
		return l.used, nil
	default:
		return store.GetWAVersion(), errors.New("the version is still being fetched")
	}
}

// fetch reads {"version":"2.3000.N"} from url.
func fetch(ctx context.Context, client *http.Client, url string) (store.WAVersionContainer, error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return store.WAVersionContainer{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return store.WAVersionContainer{}, fmt.Errorf("asking for the WhatsApp Web version: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return store.WAVersionContainer{}, fmt.Errorf("reading the WhatsApp Web version: %w", err)
	}
	var answer struct {
		Version string `json:"version"`
		Error   string `json:"error"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return store.WAVersionContainer{}, fmt.Errorf("the WhatsApp Web version answer (%d) is not JSON: %w", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK {
		return store.WAVersionContainer{}, fmt.Errorf("the proxy does not know the WhatsApp Web version (%d): %s", resp.StatusCode, answer.Error)
	}
	return Parse(answer.Version)
}

// Parse reads a version written as "2.3000.1027000000".
func Parse(s string) (store.WAVersionContainer, error) {
	var v store.WAVersionContainer
	parts := strings.Split(s, ".")
	if len(parts) != len(v) {
		return v, fmt.Errorf("invalid WhatsApp Web version %q: want three numbers like 2.3000.1027000000", s)
	}
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return store.WAVersionContainer{}, fmt.Errorf("invalid WhatsApp Web version %q: want three numbers like 2.3000.1027000000", s)
		}
		v[i] = uint32(n)
	}
	if v.IsZero() {
		return v, fmt.Errorf("invalid WhatsApp Web version %q", s)
	}
	return v, nil
}
