package waversion

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/store"
)

func serve(t *testing.T, status int, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/wa-version" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/wa-version"
}

// restore puts back the build's version after a test changed it.
func restore(t *testing.T) {
	own := store.GetWAVersion()
	t.Cleanup(func() { store.SetWAVersion(own) })
}

func learn(t *testing.T, url string) *Learner {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	l := Learn(ctx, nil, url)
	l.Wait(ctx)
	return l
}

func TestTheProxysVersionIsUsed(t *testing.T) {
	restore(t)
	l := learn(t, serve(t, 200, `{"version":"2.3000.1999999999","fetchedAt":"2026-12-01T10:00:00Z"}`))
	v, err := l.Result()
	if err != nil || v != (store.WAVersionContainer{2, 3000, 1999999999}) {
		t.Fatalf("Result() = %v, %v", v, err)
	}
	if got := store.GetWAVersion(); got != v {
		t.Errorf("whatsmeow introduces itself as %v, want %v", got, v)
	}
}

func TestTheBuildsVersionStaysWhenTheProxyCannotTell(t *testing.T) {
	restore(t)
	own := store.GetWAVersion()
	for name, url := range map[string]string{
		"503":          serve(t, 503, `{"error":"WhatsApp Web could not be reached yet"}`),
		"not JSON":     serve(t, 200, `<html>`),
		"bad version":  serve(t, 200, `{"version":"2.3000"}`),
		"zero":         serve(t, 200, `{"version":"0.0.0"}`),
		"no such path": strings.TrimSuffix(serve(t, 200, `{}`), "/wa-version") + "/elsewhere",
		"unreachable":  "http://127.0.0.1:1/wa-version",
	} {
		t.Run(name, func(t *testing.T) {
			v, err := learn(t, url).Result()
			if err == nil || v != own || store.GetWAVersion() != own {
				t.Fatalf("Result() = %v, %v; whatsmeow uses %v; want the build's %v and an error", v, err, store.GetWAVersion(), own)
			}
		})
	}
}

func TestAnswerOf503SaysWhy(t *testing.T) {
	restore(t)
	_, err := learn(t, serve(t, 503, `{"error":"not fetched yet"}`)).Result()
	if err == nil || !strings.Contains(err.Error(), "not fetched yet") || !strings.Contains(err.Error(), "503") {
		t.Fatalf("err = %v, want the proxy's reason and status", err)
	}
}

func TestWaitEndsWithItsContext(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hang.Close()
	fetchCtx, stopFetch := context.WithCancel(context.Background())
	defer stopFetch() // before hang.Close, which waits for the handler
	l := Learn(fetchCtx, nil, hang.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	l.Wait(ctx)
	if time.Since(start) > 2*time.Second {
		t.Fatal("Wait outlived its context")
	}
	if _, err := l.Result(); err == nil {
		t.Error("Result() before the fetch ended gave no error")
	}
}

func TestParse(t *testing.T) {
	if v, err := Parse("2.3000.1027000000"); err != nil || v != (store.WAVersionContainer{2, 3000, 1027000000}) {
		t.Errorf("Parse = %v, %v", v, err)
	}
	for _, bad := range []string{"", "2.3000", "2.3000.x", "2.3000.1.4", "-1.2.3", "2.3000.99999999999"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted it", bad)
		}
	}
}
