// Package engine reads and changes an account's privacy through a
// whatsmeow client: a snapshot of everything in one round trip, updates
// that succeed or leave the account as it was, except-lists, the default
// message timer and the blocklist, and changes made on the phone as they
// happen.
//
// Every request of an operation is written to the socket in one burst, and
// the confirming re-read goes right behind them: WhatsApp answers a
// connection's stanzas in order, so an update of seven fields and its
// confirmed snapshot cost one round trip where RyzeAPI's sequential way
// costs eight.
package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// Source says where a change came from.
type Source string

const (
	FromApp   Source = "app"
	FromPhone Source = "phone"
)

// Change is published whenever the known snapshot changes.
type Change struct {
	Before   privacy.Snapshot // zero for the first read, and the first after a lost connection
	Snapshot privacy.Snapshot
	Source   Source
	// Recovery is set on the change that resolved an interrupted update
	// (Source FromRecovery).
	Recovery *Recovery
}

// Engine manages one account's privacy. It is safe for concurrent use;
// updates run one at a time. A nil *Engine stands for "no account
// connected": every operation returns ErrNotConnected.
type Engine struct {
	client  *whatsmeow.Client
	timeout time.Duration

	mu     sync.Mutex // serialises operations and guards state
	state  *readState // nil until the first read; see known
	closed bool
	// drops counts lost connections: a read from before the latest loss
	// may miss what the phone changed while the pushes could not arrive.
	drops atomic.Int64
	// lids caches each phone number's LID, from answers and lookups.
	lids map[string]types.JID
	// journal, if set, records each update while it is on the wire.
	journal Journal
	// settled is set once the journal is known to hold no open record of
	// this engine's account, so updates skip reading it; an update that
	// leaves one open clears it. Guarded by mu.
	settled bool
	// ending is closed once the last update's record is closed, which
	// happens after its answer (endLater); endFailed says it could not
	// be. Guarded by mu.
	ending    chan struct{}
	endFailed atomic.Bool

	subMu sync.Mutex
	subs  map[int]func(Change)
	next  int
}

// Options tune an Engine.
type Options struct {
	// Timeout bounds each request to WhatsApp; default 20 s, far below
	// whatsmeow's 75 s, because a person is waiting.
	Timeout time.Duration
	// Pushes, when set, is the logger the client was made with; through
	// it the engine sees the pushes whatsmeow turns into no event (see
	// PushLog).
	Pushes *PushLog
	// Journal, when set, records each update before it is sent, and the
	// engine resolves the updates a lost connection or page left open.
	Journal Journal
}

// New returns an engine for client and starts following changes pushed
// from the phone.
func New(client *whatsmeow.Client, opts Options) *Engine {
	if opts.Timeout <= 0 {
		opts.Timeout = 20 * time.Second
	}
	e := &Engine{client: client, timeout: opts.Timeout, journal: opts.Journal, subs: map[int]func(Change){}, lids: map[string]types.JID{}}
	client.AddEventHandler(e.handleEvent)
	if opts.Pushes != nil {
		opts.Pushes.onPush(e.followPhone)
		opts.Pushes.onLogin(e.readAtLogin)
	}
	return e
}

// Subscribe calls fn with every change until cancel is called. fn runs on
// the engine's goroutine and must not block.
func (e *Engine) Subscribe(fn func(Change)) (cancel func()) {
	e.subMu.Lock()
	defer e.subMu.Unlock()
	id := e.next
	e.next++
	e.subs[id] = fn
	return func() {
		e.subMu.Lock()
		delete(e.subs, id)
		e.subMu.Unlock()
	}
}

func (e *Engine) publish(c Change) {
	e.subMu.Lock()
	subs := make([]func(Change), 0, len(e.subs))
	for _, fn := range e.subs {
		subs = append(subs, fn)
	}
	e.subMu.Unlock()
	for _, fn := range subs {
		fn(c)
	}
}

// Cached returns the last snapshot read, if any, without asking WhatsApp.
func (e *Engine) Cached() (privacy.Snapshot, bool) {
	if e == nil {
		return privacy.Snapshot{}, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.known()
	if st == nil {
		return privacy.Snapshot{}, false
	}
	return st.snap.Clone(), true
}

// known returns the last read, or nil if there is none or it was made
// before the connection last dropped. Call it with e.mu held.
func (e *Engine) known() *readState {
	if e.state == nil || e.state.drops != e.drops.Load() {
		return nil
	}
	return e.state
}

// Snapshot returns every setting, the except-lists, the default timer and
// the blocklist: the cached copy if there is one, else a fresh read.
func (e *Engine) Snapshot(ctx context.Context) (privacy.Snapshot, error) {
	if s, ok := e.Cached(); ok {
		return s, nil
	}
	return e.Refresh(ctx)
}

// Refresh reads everything from WhatsApp in one round trip.
func (e *Engine) Refresh(ctx context.Context) (privacy.Snapshot, error) {
	if e == nil {
		return privacy.Snapshot{}, ErrNotConnected
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.refreshLocked(ctx, FromApp)
}

// Close waits for the operation in progress, if any, and makes every later
// one fail with ErrNotConnected; call it before disconnecting the client,
// so no request is being written while the socket closes.
func (e *Engine) Close() {
	e.mu.Lock()
	e.awaitEnd()
	e.closed = true
	e.mu.Unlock()
}

func (e *Engine) refreshLocked(ctx context.Context, source Source) (privacy.Snapshot, error) {
	if e.closed || !e.client.IsLoggedIn() {
		return privacy.Snapshot{}, ErrNotConnected
	}
	st, err := e.wait(ctx, e.sendReads(ctx))
	if err != nil {
		return privacy.Snapshot{}, err
	}
	e.store(st, source)
	return st.snap.Clone(), nil
}

// store caches st and tells subscribers if anything changed. The first
// read after a lost connection is told as the first read ever (Before is
// zero), whether or not anything changed: subscribers learn that the
// account is known again, and apply what waited for it.
func (e *Engine) store(st readState, source Source) {
	var before privacy.Snapshot
	if old := e.known(); old != nil {
		before = old.snap
	}
	e.state = &st
	if !equalSnapshots(before, st.snap) {
		e.publish(Change{Before: before.Clone(), Snapshot: st.snap.Clone(), Source: source})
	}
}

// handleEvent follows the phone: whatsmeow's privacy event carries no new
// values (NewSettings is always empty), so every push means a re-read; so
// does every (re)connection, since the phone may have changed things
// meanwhile.
func (e *Engine) handleEvent(evt any) {
	switch evt.(type) {
	case *events.Disconnected:
		// Counted at once: a session adds its handler, which reconnects,
		// after the engine's, so no read of the new connection counts as
		// stale.
		e.drops.Add(1)
	case *events.PrivacySettings, *events.Blocklist:
		e.followPhone()
	case *events.Connected:
		// The read at login has usually seen the new connection's
		// settings by now; recovery, which may write, waits for this.
		e.followPhoneTry(0, true)
	}
}

// readAtLogin reads everything as soon as the login succeeds, so the
// snapshot's round trip runs beside whatsmeow's post-login IQs (its
// prekey count and <active/>) rather than after them. The server answers
// a passive companion's IQs (WA Web sends abt and w:m IQs and waits for
// them before <active/>), though no client is known to send these reads
// that early; so the wait is short, and a read that fails or times out
// is left to the one at Connected. whatsmeow marks the client logged in
// only once its handler reaches <success>, after its logger saw it; in
// the browser this goroutine runs first, so the reads go out without
// that check.
func (e *Engine) readAtLogin() {
	go func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.closed || e.known() != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), min(e.timeout, loginReadTimeout))
		defer cancel()
		if st, err := e.wait(ctx, e.sendReadsWith(ctx, e.sendIQ)); err == nil {
			e.store(st, FromPhone)
		}
	}()
}

// followPhone re-reads everything in the background, as the phone may
// have changed something, and then resolves any interrupted update.
func (e *Engine) followPhone() { e.followPhoneTry(0, false) }

// followPhoneTry is attempt n of followPhone. While the account stays
// connected, WhatsApp refused or did not answer: the attempt is repeated
// shortly, a few times, rather than leave a change unseen or an
// interrupted update open until the next push. With ifUnknown, it reads
// only if nothing was read since the connection was last lost.
func (e *Engine) followPhoneTry(n int, ifUnknown bool) {
	go func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 2*e.timeout)
		defer cancel()
		var err error
		if !ifUnknown || e.known() == nil {
			_, err = e.refreshLocked(ctx, FromPhone)
		}
		if err == nil {
			err = e.recoverLocked(ctx)
		}
		if err != nil && n < followRetries && !e.closed && e.client.IsLoggedIn() {
			time.AfterFunc(followRetry, func() { e.followPhoneTry(n+1, ifUnknown) })
		}
	}()
}

// loginReadTimeout bounds the read at login, which holds every other
// operation back while it waits.
const loginReadTimeout = 5 * time.Second

// followRetry spaces, and followRetries bounds, the attempts to follow
// the phone while the account stays connected.
const (
	followRetry   = 2 * time.Second
	followRetries = 5
)
