// Package appstate is the page's state: it opens the local database, runs
// the linked accounts, follows the account on screen, logs every change,
// queues edits made offline and applies them on reconnection, and
// publishes an immutable View of it all for the UI. It knows nothing of
// go-app: the program's handlers call its methods (which may block, so
// never from the UI goroutine or a js.FuncOf callback) and pass its views
// to the components.
package appstate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/waprivacy/waprivacy/wasm/crash"
	"github.com/waprivacy/waprivacy/wasm/engine"
	"github.com/waprivacy/waprivacy/wasm/history"
	"github.com/waprivacy/waprivacy/wasm/journal"
	"github.com/waprivacy/waprivacy/wasm/outbox"
	"github.com/waprivacy/waprivacy/wasm/privacy"
	"github.com/waprivacy/waprivacy/wasm/session"
	"github.com/waprivacy/waprivacy/wasm/siteaccess"
	"github.com/waprivacy/waprivacy/wasm/storage"
	"github.com/waprivacy/waprivacy/wasm/tablock"
)

// Options configure a Core.
type Options struct {
	// Store names the local database; default "waprivacy".
	Store string
	// Session configures the accounts (tests redirect them to the
	// emulator).
	Session session.Options
	// HistoryLength is how many changes the view lists; default 50.
	HistoryLength int
	// Now tells the time; default time.Now.
	Now func() time.Time
	// Mark, if set, is told each step of Start as it ends ("storage",
	// "tables", "sessions"), so the page can put start-up on its
	// performance timeline.
	Mark func(step string)
}

// Core is one page's state. Its methods are safe for concurrent use.
type Core struct {
	opts Options

	// Set by Start, then never changed; used once it succeeded (started
	// is closed).
	store     *storage.Store
	manager   *session.Manager
	history   *history.Log
	outbox    *outbox.Outbox
	sites     *siteaccess.Store
	journal   *journal.Store
	events    *queue        // status and privacy events, handled in order
	stop      chan struct{} // closed by Close
	started   chan struct{}
	closeOnce sync.Once

	mu        sync.Mutex
	view      View
	lastKnown map[string]privacy.Snapshot // by account, as last saved
	// flushing holds the accounts whose queue is being applied; the value
	// is set when another flush was asked for meanwhile, so the running
	// one goes round again rather than missing what changed.
	flushing map[string]bool
	// applied holds the queued edits that were applied but could not be
	// removed from the queue: they are not applied again, and their
	// removal is retried.
	applied map[int64]bool

	pubMu sync.Mutex // keeps views in order
	subMu sync.Mutex
	subs  map[int]func(View)
	next  int

	work sync.WaitGroup // queue flushes and reads under way
}

// New returns a Core that has not started.
func New(opts Options) *Core {
	if opts.Store == "" {
		opts.Store = "waprivacy"
	}
	if opts.HistoryLength <= 0 {
		opts.HistoryLength = 50
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Mark == nil {
		opts.Mark = func(string) {}
	}
	return &Core{
		opts: opts, started: make(chan struct{}),
		view:      View{Phase: PhaseStarting},
		lastKnown: map[string]privacy.Snapshot{}, flushing: map[string]bool{}, applied: map[int64]bool{},
		subs: map[int]func(View){},
	}
}

// Errors of operations that need something the page does not have yet.
var (
	ErrNotStarted = errors.New("the app is still starting")
	ErrNoAccount  = errors.New("no WhatsApp account is linked yet")
)

// Start opens the local database and starts every linked account, or
// begins linking one if there is none. It fails if the database cannot be
// opened, e.g. because another tab has it (the view says which). A start
// that fails keeps nothing: neither the database, nor the tab's lock, nor
// a goroutine.
func (c *Core) Start(ctx context.Context) (err error) {
	store, err := storage.Open(ctx, c.opts.Store)
	if err != nil {
		phase := PhaseFailed
		if errors.Is(err, tablock.ErrHeld) {
			phase = PhaseOtherTab
		}
		c.update(func(v *View) { v.Phase, v.Problem = phase, err.Error() })
		return err
	}
	c.opts.Mark("storage")
	var manager *session.Manager
	var events *queue
	defer func() {
		if err == nil {
			return
		}
		if manager != nil {
			manager.Close()
		}
		if events != nil {
			events.close()
		}
		c.work.Wait()
		store.Close()
		c.update(func(v *View) { v.Phase, v.Problem = PhaseFailed, err.Error() })
	}()
	hist, err := history.Open(ctx, store.DB())
	if err != nil {
		return err
	}
	box, err := outbox.Open(ctx, store.DB())
	if err != nil {
		return err
	}
	sites, err := siteaccess.Open(ctx, store.DB())
	if err != nil {
		return err
	}
	updates, err := journal.Open(ctx, store.DB(), c.opts.Now)
	if err != nil {
		return err
	}
	// What recovery changed back is logged in the transaction that closes
	// the interrupted update's record.
	updates.OnRecovered = func(ctx context.Context, tx *sql.Tx, account string, r *engine.Recovery) error {
		_, _, err := hist.RecordIn(ctx, tx, account, c.opts.Now(), history.FromRecovery, r.Changes)
		return err
	}
	c.store, c.history, c.outbox, c.sites, c.journal = store, hist, box, sites, updates
	c.opts.Mark("tables")
	events = newQueue()
	c.events = events
	sessionOpts := c.opts.Session
	sessionOpts.Engine.Journal = updates
	manager = session.NewManager(context.Background(), store.Container, sessionOpts)
	c.manager = manager
	manager.Subscribe(func(s session.Status) { events.push(func() { c.onStatus(s) }) })
	manager.SubscribePrivacy(func(account string, ch engine.Change) {
		events.push(func() { c.onPrivacy(account, ch) })
	})
	if err = manager.Start(); err != nil {
		return err
	}
	c.opts.Mark("sessions")
	// What an unlink could not delete from this device goes now.
	c.sweep(ctx)
	c.stop = make(chan struct{})
	c.work.Go(c.watchStorage)
	current := ""
	if accounts := manager.Accounts(); len(accounts) > 0 {
		current = accounts[0].Account
	} else {
		current = manager.Link()
	}
	close(c.started)
	c.show(current, PhaseReady)
	return nil
}

// Close stops every account and closes the database; later calls do
// nothing.
func (c *Core) Close() {
	if !c.isStarted() {
		return // a Start that failed has undone itself
	}
	c.closeOnce.Do(func() {
		c.manager.Close()
		c.events.close()
		close(c.stop)
		c.work.Wait()
		c.store.Close()
	})
}

func (c *Core) isStarted() bool {
	select {
	case <-c.started:
		return true
	default:
		return false
	}
}

// Manager is the page's session manager, or nil before Start succeeds.
func (c *Core) Manager() *session.Manager {
	if !c.isStarted() {
		return nil
	}
	return c.manager
}

// CurrentAccount is the key of the account on screen.
func (c *Core) CurrentAccount() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.view.Current.Account
}

// View returns the latest view.
func (c *Core) View() View {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.view
}

// Subscribe calls fn with the current view and then every new one, in
// order, until cancel is called. fn must not block for long.
func (c *Core) Subscribe(fn func(View)) (cancel func()) {
	c.pubMu.Lock()
	defer c.pubMu.Unlock()
	c.subMu.Lock()
	id := c.next
	c.next++
	c.subs[id] = fn
	c.subMu.Unlock()
	fn(c.View())
	return func() {
		c.subMu.Lock()
		delete(c.subs, id)
		c.subMu.Unlock()
	}
}

// update changes the view under the lock and publishes the result. The
// view's slices are replaced, never modified, by every caller.
func (c *Core) update(change func(v *View)) {
	c.pubMu.Lock()
	defer c.pubMu.Unlock()
	v := func() View {
		c.mu.Lock()
		defer c.mu.Unlock()
		change(&c.view)
		return c.view
	}()
	c.subMu.Lock()
	subs := make([]func(View), 0, len(c.subs))
	for _, fn := range c.subs {
		subs = append(subs, fn)
	}
	c.subMu.Unlock()
	for _, fn := range subs {
		fn(v)
	}
}

// show puts account on screen, with what is saved about it.
func (c *Core) show(account string, phase Phase) {
	status := c.status(account)
	data := c.load(account, status.Phone)
	c.update(func(v *View) {
		v.Phase = phase
		v.Accounts = c.manager.Accounts()
		v.Current = status
		v.Notice = nil
		data.apply(v)
	})
}

// status returns account's current status.
func (c *Core) status(account string) session.Status {
	for _, s := range c.manager.Accounts() {
		if s.Account == account {
			return s
		}
	}
	return session.Status{Account: account, State: session.StateConnecting}
}

// accountData is what the local database and the engine know of an
// account.
type accountData struct {
	privacy    privacy.Snapshot
	hasPrivacy bool
	live       bool
	knownAt    time.Time
	queue      []Queued
	history    []history.Entry
	sites      []siteaccess.Grant
	problem    string
}

func (d accountData) apply(v *View) {
	v.Privacy, v.HasPrivacy, v.Live, v.KnownAt = d.privacy, d.hasPrivacy, d.live, d.knownAt
	v.Queue, v.History, v.Sites = d.queue, d.history, d.sites
	if d.problem != "" {
		v.Problem = d.problem
	}
}

// load reads what is known of account. phone is empty while it is still
// linking, when nothing is.
func (c *Core) load(account, phone string) accountData {
	d := accountData{queue: []Queued{}, history: []history.Entry{}}
	if phone == "" {
		return d
	}
	ctx := context.Background()
	if e := c.manager.Engine(account); e != nil {
		if s, ok := e.Cached(); ok {
			d.privacy, d.hasPrivacy, d.live, d.knownAt = s, true, true, c.opts.Now()
		}
	}
	if !d.live {
		s, at, ok, err := c.history.LastKnown(ctx, account)
		if err != nil {
			d.problem = err.Error()
		}
		d.privacy, d.hasPrivacy, d.knownAt = s, ok, at
	}
	var err error
	if d.history, err = c.history.List(ctx, account, c.opts.HistoryLength); err != nil {
		d.problem = err.Error()
	}
	edits, err := c.outbox.List(ctx, account)
	if err != nil {
		d.problem = err.Error()
	}
	if d.sites, err = c.sites.List(ctx, account); err != nil {
		d.problem = err.Error()
	}
	c.mu.Lock()
	edits = slices.DeleteFunc(edits, func(e outbox.Edit) bool { return c.applied[e.ID] })
	c.mu.Unlock()
	for _, e := range edits {
		q := Queued{Edit: e, Wanted: e.Wanted()}
		if e.State == outbox.Conflict && d.hasPrivacy {
			q.Conflicts = e.Conflicts(d.privacy)
		}
		d.queue = append(d.queue, q)
	}
	return d
}

// refresh re-reads the current account's data if it is account.
func (c *Core) refresh(account string) {
	if c.CurrentAccount() != account {
		return
	}
	status := c.status(account)
	data := c.load(account, status.Phone)
	c.update(func(v *View) {
		if v.Current.Account == account {
			data.apply(v)
		}
	})
}

// onStatus follows the accounts' connection states.
func (c *Core) onStatus(s session.Status) {
	var problem error
	if s.State == session.StateLoggedOut && s.Phone != "" {
		// The keys are gone; so is anything that could be applied.
		problem = c.forgetLocal(s.Phone)
	}
	accounts := c.manager.Accounts()
	c.update(func(v *View) {
		v.Accounts = accounts
		if v.Current.Account == s.Account || (s.Was != "" && v.Current.Account == s.Was) {
			v.Current = s
			if !v.Connected() {
				v.Live = false
			}
			if s.State == session.StateLoggedOut {
				accountData{queue: []Queued{}, history: []history.Entry{}}.apply(v)
				v.Notice = nil
			}
		}
		if problem != nil {
			v.Problem = problem.Error()
		}
	})
	if s.State == session.StateConnected {
		// The first read of the connection may have come before it.
		c.work.Go(func() { c.flushLater(s.Account) })
	}
}

// onPrivacy logs a change of an account's settings, remembers them, tells
// the person if it came from the phone, and applies queued edits.
func (c *Core) onPrivacy(account string, ch engine.Change) {
	ctx := context.Background()
	now := c.opts.Now()
	before, source := ch.Before, string(ch.Source)
	if before.Settings == nil {
		// The first read since the page opened or the connection came
		// back: shown at once, as confirmed, before the commits below.
		if c.CurrentAccount() == account {
			c.update(func(v *View) {
				v.Privacy, v.HasPrivacy, v.Live, v.KnownAt = ch.Snapshot, true, true, now
			})
		}
		// What changed since the last one was done on the phone while
		// the app was closed.
		before, source = c.remembered(ctx, account), history.FromPhone
	}
	var entry history.Entry
	var logged bool
	var problem string
	// Recovery logged what it changed back as it closed the record.
	var changes []privacy.Change
	if before.Settings != nil && ch.Recovery == nil {
		changes = privacy.Diff(before, ch.Snapshot)
	}
	var err error
	if entry, logged, err = c.history.RecordAndRemember(ctx, account, now, source, changes, ch.Snapshot); err != nil {
		problem = err.Error()
	}
	c.mu.Lock()
	c.lastKnown[account] = ch.Snapshot
	c.mu.Unlock()
	if c.CurrentAccount() == account {
		data := c.load(account, account)
		c.update(func(v *View) {
			data.apply(v)
			if problem != "" {
				v.Problem = problem
			}
			if logged && source == history.FromPhone {
				v.Notice = &Notice{ID: entry.ID, At: entry.At, Changes: entry.Changes}
			}
			if r := ch.Recovery; r != nil {
				v.Notice = &Notice{ID: -r.Intent.ID, At: now, Changes: r.Changes, Recovery: r}
			}
		})
	}
	c.work.Go(func() { c.flushLater(account) })
}

// remembered returns the settings last saved for account, or a zero
// snapshot if there are none.
func (c *Core) remembered(ctx context.Context, account string) privacy.Snapshot {
	c.mu.Lock()
	s, ok := c.lastKnown[account]
	c.mu.Unlock()
	if ok {
		return s
	}
	s, _, _, _ = c.history.LastKnown(ctx, account)
	return s
}

func (c *Core) watchStorage() {
	defer crash.Recover("the page's storage watch")
	for {
		select {
		case err := <-c.store.Failures():
			c.update(func(v *View) {
				v.StorageFull = true
				v.Problem = err.Error()
			})
		case <-c.stop:
			return
		}
	}
}

// forgetLocal deletes what is kept here about account, its history, last
// known settings, queued edits and the sites it let in, in one
// transaction: all of it or, on an error, none.
func (c *Core) forgetLocal(account string) error {
	ctx := context.Background()
	err := func() error {
		tx, err := c.store.DB().BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if err := c.history.ForgetIn(ctx, tx, account); err != nil {
			return err
		}
		if err := c.outbox.ForgetIn(ctx, tx, account); err != nil {
			return err
		}
		if err := c.sites.ForgetIn(ctx, tx, account); err != nil {
			return err
		}
		if err := c.journal.ForgetIn(ctx, tx, account); err != nil {
			return err
		}
		return tx.Commit()
	}()
	if err != nil {
		return fmt.Errorf("deleting the history, settings, queued changes and site access of +%s from this device "+
			"(it is tried again when the app next opens): %w", account, err)
	}
	c.mu.Lock()
	delete(c.lastKnown, account)
	c.mu.Unlock()
	return nil
}

// sweep forgets the accounts that have data here but are no longer
// linked: an unlink or a logout whose forgetLocal failed. The history and
// the queue name them all: an account's site access and journal records
// come after its first read, which the history keeps.
func (c *Core) sweep(ctx context.Context) {
	linked := map[string]bool{}
	for _, s := range c.manager.Accounts() {
		linked[s.Account] = true
	}
	kept, err := c.history.Accounts(ctx)
	if err == nil {
		var queued []string
		queued, err = c.outbox.Accounts(ctx)
		kept = append(kept, queued...)
	}

	if err != nil {
		c.problem(err)
		return
	}
	for _, account := range kept {
		if !linked[account] {
			if err := c.forgetLocal(account); err != nil {
				c.problem(err)
				return
			}
			linked[account] = true // once is enough
		}
	}
}

// problem shows err in the view: something could not be read from or
// saved on this device.
func (c *Core) problem(err error) {
	c.update(func(v *View) { v.Problem = err.Error() })
}

// Select puts the account key on screen. An account still being linked
// that it replaces on screen is dropped: nobody is looking at its codes.
func (c *Core) Select(key string) error {
	if !c.isStarted() {
		return ErrNotStarted
	}
	if !slices.ContainsFunc(c.manager.Accounts(), func(s session.Status) bool { return s.Account == key }) {
		return session.ErrUnknownAccount
	}
	if prev := c.View().Current; prev.Account != key && prev.Phone == "" && prev.Account != "" {
		c.manager.Forget(prev.Account)
	}
	c.show(key, PhaseReady)
	return nil
}

// Link starts linking another account and puts it on screen.
func (c *Core) Link() error {
	if !c.isStarted() {
		return ErrNotStarted
	}
	c.show(c.manager.Link(), PhaseReady)
	return nil
}

// PairPhone switches the account being linked to pairing by phone number
// and returns the code to type on that phone.
func (c *Core) PairPhone(ctx context.Context, phone string) (string, error) {
	if !c.isStarted() {
		return "", ErrNotStarted
	}
	return c.manager.PairPhone(ctx, c.CurrentAccount(), phone)
}

// Retry makes the current account try to connect now.
func (c *Core) Retry() error {
	if !c.isStarted() {
		return ErrNotStarted
	}
	return c.manager.Retry(c.CurrentAccount())
}

// Unlink removes key from the phone's linked devices and deletes
// everything kept about it here, then shows another account, or starts
// linking one if none is left.
func (c *Core) Unlink(ctx context.Context, key string) error {
	if !c.isStarted() {
		return ErrNotStarted
	}
	if err := c.manager.Unlink(ctx, key); err != nil {
		return err
	}
	err := c.forgetLocal(key)
	c.showAnother()
	if err != nil {
		c.problem(err)
		return fmt.Errorf("this device is unlinked, but %w", err)
	}
	return nil
}

// Forget drops an account that is logged out, replaced or whose codes
// expired, and shows another, or starts linking one if none is left.
func (c *Core) Forget(key string) error {
	if !c.isStarted() {
		return ErrNotStarted
	}
	c.manager.Forget(key)
	c.showAnother()
	return nil
}

func (c *Core) showAnother() {
	for _, s := range c.manager.Accounts() {
		if s.Phone != "" {
			c.show(s.Account, PhaseReady)
			return
		}
	}
	c.show(c.manager.Link(), PhaseReady)
}

// queue runs functions one after another on its own goroutine, without
// ever blocking the ones that push them: session and engine callbacks
// must return at once.
type queue struct {
	mu     sync.Mutex
	items  []func()
	wake   chan struct{}
	closed bool
	done   chan struct{} // closed when run returns
}

func newQueue() *queue {
	q := &queue{wake: make(chan struct{}, 1), done: make(chan struct{})}
	go q.run()
	return q
}

func (q *queue) push(fn func()) {
	q.mu.Lock()
	if !q.closed {
		q.items = append(q.items, fn)
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// close runs what is queued, then stops.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	<-q.done
}

func (q *queue) run() {
	defer close(q.done)
	for range q.wake {
		for {
			q.mu.Lock()
			if len(q.items) == 0 {
				closed := q.closed
				q.mu.Unlock()
				if closed {
					return
				}
				break
			}
			fn := q.items[0]
			q.items = q.items[1:]
			q.mu.Unlock()
			// A panic in one event must not end the others' handling.
			crash.Run("the page's events", fn)
		}
	}
}

// describe wraps err for the person: engine errors already are.
func describe(what string, err error) error {
	var e *engine.Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}
