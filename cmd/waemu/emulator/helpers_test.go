package emulator_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3/vfs/memdb"
	"go.mau.fi/whatsmeow"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	waLog "go.mau.fi/whatsmeow/util/log"

	_ "github.com/ncruces/go-sqlite3/driver"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
)

// logBuffer collects the server's logs so tests can assert on them; with
// WAEMU_TEST_LOG set it also copies them to stderr.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if os.Getenv("WAEMU_TEST_LOG") != "" {
		os.Stderr.Write(p)
	}
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// env is the emulator as other packages' tests start it (emutest), with
// its logs kept for the tests that assert on them.
type env struct {
	*emutest.Env
	logs *logBuffer
}

func newEnv(t testing.TB) *env { return newEnvWithState(t, "") }

func newEnvWithState(t testing.TB, statePath string) *env {
	t.Helper()
	logs := &logBuffer{}
	return &env{
		Env: emutest.StartWith(t, emulator.Options{
			StatePath: statePath,
			Logger:    slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		}),
		logs: logs,
	}
}

// recorder keeps every event a client dispatches.
type recorder struct{ ch chan any }

func record(cli *whatsmeow.Client) *recorder {
	r := &recorder{ch: make(chan any, 10000)}
	cli.AddEventHandler(func(evt any) { r.ch <- evt })
	return r
}

// waitFor returns the next event of type T, skipping others.
func waitFor[T any](t testing.TB, r *recorder) T {
	t.Helper()
	timeout := time.After(emutest.Timeout)
	for {
		select {
		case evt := <-r.ch:
			if v, ok := evt.(T); ok {
				return v
			}
		case <-timeout:
			var zero T
			t.Fatalf("no %s event within %s", reflect.TypeOf(zero), emutest.Timeout)
			return zero
		}
	}
}

// newStore makes an empty in-memory whatsmeow store.
func newStore(t testing.TB) *sqlstore.Container {
	t.Helper()
	dsn := memdb.TestDB(t, url.Values{"_pragma": {"foreign_keys(1)"}})
	c, err := sqlstore.New(context.Background(), "sqlite3", dsn, waLog.Noop)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func clientLog() waLog.Logger {
	if lvl := os.Getenv("WAEMU_CLIENT_LOG"); lvl != "" {
		return waLog.Stdout("client", lvl, false)
	}
	return waLog.Noop
}

// newClient is an unmodified whatsmeow client whose connections go to the emulator.
func (e *env) newClient(t testing.TB, dev *store.Device) (*whatsmeow.Client, *recorder) {
	cli := whatsmeow.NewClient(dev, clientLog())
	e.Redirect(cli)
	rec := record(cli)
	t.Cleanup(cli.Disconnect)
	return cli, rec
}

// pairQR links a new client to phone by QR and waits until it is connected.
func (e *env) pairQR(t testing.TB, phone string) (*whatsmeow.Client, *recorder) {
	t.Helper()
	cli, rec := e.newClient(t, newStore(t).NewDevice())
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
	qr := waitFor[*events.QR](t, rec)
	var reply struct{ JID string }
	e.Control(t, http.MethodPost, "/control/scan", map[string]string{"qr": qr.Codes[0], "phone": phone}, http.StatusOK, &reply)
	ps := waitFor[*events.PairSuccess](t, rec)
	if ps.ID.String() != reply.JID || ps.ID.User != phone {
		t.Fatalf("paired as %s, control API said %s", ps.ID, reply.JID)
	}
	waitFor[*events.Connected](t, rec)
	return cli, rec
}

// rawIQ sends an IQ the way an app without a whatsmeow API for it must.
func rawIQ(cli *whatsmeow.Client, ns, typ string, content ...waBinary.Node) (*waBinary.Node, error) {
	ctx, cancel := context.WithTimeout(context.Background(), emutest.Timeout)
	defer cancel()
	q := whatsmeow.DangerousInfoQuery{Namespace: ns, Type: whatsmeow.DangerousInfoQueryType(typ), To: types.ServerJID}
	if len(content) > 0 {
		q.Content = content
	}
	return cli.DangerousInternals().SendIQ(ctx, q)
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), emutest.Timeout)
	t.Cleanup(cancel)
	return ctx
}

func phoneJID(phone string) types.JID { return types.NewJID(phone, types.DefaultUserServer) }
