package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	waLog "go.mau.fi/whatsmeow/util/log"

	"github.com/waprivacy/waprivacy/wasm/engine"
)

// Options configure a Manager.
type Options struct {
	// Configure, if set, is applied to every client before it connects;
	// tests use it to redirect connections to the emulator.
	Configure func(*whatsmeow.Client)
	// Log receives whatsmeow's own log lines; nil discards them.
	Log waLog.Logger
	// Backoff spaces reconnection attempts; zero means DefaultBackoff.
	Backoff Backoff
	// Engine tunes each account's privacy engine.
	Engine engine.Options
	// BeforeConnect, if set, runs before every connection attempt; the
	// app waits there for the WhatsApp Web version to introduce itself
	// with.
	BeforeConnect func(context.Context)
}

// Manager runs every account of one store.
type Manager struct {
	store *sqlstore.Container
	opts  Options
	ctx   context.Context // ends every account's goroutine

	mu       sync.Mutex
	accounts map[string]*account
	nextLink int
	running  sync.WaitGroup // the accounts' goroutines

	subMu       sync.Mutex
	subs        map[int]func(Status)
	privacySubs map[int]func(string, engine.Change)
	next        int
}

// ErrUnknownAccount is returned for an account the manager does not have.
var ErrUnknownAccount = errors.New("no such account")

// NewManager returns a manager for the accounts in store; its accounts
// stop when ctx ends.
func NewManager(ctx context.Context, store *sqlstore.Container, opts Options) *Manager {
	if opts.Log == nil {
		opts.Log = waLog.Noop
	}
	if opts.Backoff == (Backoff{}) {
		opts.Backoff = DefaultBackoff
	}
	return &Manager{store: store, opts: opts, ctx: ctx, accounts: map[string]*account{},
		subs: map[int]func(Status){}, privacySubs: map[int]func(string, engine.Change){}}
}

// Start connects every account already linked in the store.
func (m *Manager) Start() error {
	devices, err := m.store.GetAllDevices(m.ctx)
	if err != nil {
		return fmt.Errorf("reading linked accounts: %w", err)
	}
	for _, d := range devices {
		m.add(d.ID.User, d)
	}
	return nil
}

// Link starts linking a new account: its status shows rotating QR codes
// until the phone scans one, or a pairing code after PairPhone.
func (m *Manager) Link() string {
	m.mu.Lock()
	m.nextLink++
	key := "link-" + strconv.Itoa(m.nextLink)
	m.mu.Unlock()
	m.add(key, m.store.NewDevice())
	return key
}

// PairPhone switches a linking account to pairing by phone number and
// returns the code to type on that phone.
func (m *Manager) PairPhone(ctx context.Context, key, phone string) (string, error) {
	a := m.get(key)
	if a == nil {
		return "", ErrUnknownAccount
	}
	return a.pairPhone(ctx, phone)
}

// Unlink logs an account out of WhatsApp, which removes it from the phone's
// linked devices and deletes its keys here. An account still linking is
// just cancelled.
func (m *Manager) Unlink(ctx context.Context, key string) error {
	a := m.get(key)
	if a == nil {
		return ErrUnknownAccount
	}
	err := a.unlink(ctx)
	if err == nil {
		m.remove(key)
	}
	return err
}

// Close stops every account and waits until they are disconnected.
func (m *Manager) Close() {
	m.mu.Lock()
	list := make([]*account, 0, len(m.accounts))
	for _, a := range m.accounts {
		list = append(list, a)
	}
	m.mu.Unlock()
	for _, a := range list {
		a.cancel()
	}
	m.running.Wait()
}

// Forget drops an account that is logged out, replaced or whose codes
// expired, so it no longer shows.
func (m *Manager) Forget(key string) {
	if a := m.get(key); a != nil {
		a.stop()
		m.remove(key)
	}
}

// Accounts returns every account's status, linked ones first by phone.
func (m *Manager) Accounts() []Status {
	m.mu.Lock()
	list := make([]*account, 0, len(m.accounts))
	for _, a := range m.accounts {
		list = append(list, a)
	}
	m.mu.Unlock()
	out := make([]Status, 0, len(list))
	for _, a := range list {
		out = append(out, a.current())
	}
	slices.SortFunc(out, func(a, b Status) int {
		if la, lb := strings.HasPrefix(a.Account, "link-"), strings.HasPrefix(b.Account, "link-"); la != lb {
			if la {
				return 1
			}
			return -1
		}
		return strings.Compare(a.Account, b.Account)
	})
	return out
}

// Engine returns the privacy engine of a linked account, or nil.
func (m *Manager) Engine(key string) *engine.Engine {
	if a := m.get(key); a != nil && a.current().Phone != "" {
		return a.engine
	}
	return nil
}

// Subscribe calls fn with every status change until cancel is called. fn
// must not block.
func (m *Manager) Subscribe(fn func(Status)) (cancel func()) {
	m.subMu.Lock()
	defer m.subMu.Unlock()
	id := m.next
	m.next++
	m.subs[id] = fn
	return func() {
		m.subMu.Lock()
		delete(m.subs, id)
		m.subMu.Unlock()
	}
}

// SubscribePrivacy calls fn with every privacy change of every account
// (from this app or from the phone), with the account's key, until cancel
// is called. fn must not block.
func (m *Manager) SubscribePrivacy(fn func(account string, c engine.Change)) (cancel func()) {
	m.subMu.Lock()
	defer m.subMu.Unlock()
	id := m.next
	m.next++
	m.privacySubs[id] = fn
	return func() {
		m.subMu.Lock()
		delete(m.privacySubs, id)
		m.subMu.Unlock()
	}
}

func (m *Manager) publishPrivacy(account string, c engine.Change) {
	m.subMu.Lock()
	subs := make([]func(string, engine.Change), 0, len(m.privacySubs))
	for _, fn := range m.privacySubs {
		subs = append(subs, fn)
	}
	m.subMu.Unlock()
	for _, fn := range subs {
		fn(account, c)
	}
}

func (m *Manager) publish(s Status) {
	m.subMu.Lock()
	subs := make([]func(Status), 0, len(m.subs))
	for _, fn := range m.subs {
		subs = append(subs, fn)
	}
	m.subMu.Unlock()
	for _, fn := range subs {
		fn(s)
	}
}

func (m *Manager) add(key string, d *store.Device) {
	a := newAccount(m, key, d)
	m.mu.Lock()
	m.accounts[key] = a
	m.mu.Unlock()
	a.start()
}

func (m *Manager) get(key string) *account {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.accounts[key]
}

func (m *Manager) remove(key string) {
	m.mu.Lock()
	delete(m.accounts, key)
	m.mu.Unlock()
}

// rename moves a linking account to its phone number once paired.
func (m *Manager) rename(from, to string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a, ok := m.accounts[from]; ok {
		delete(m.accounts, from)
		m.accounts[to] = a
	}
}
