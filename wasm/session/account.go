package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/waprivacy/waprivacy/wasm/engine"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// account is one companion device and the goroutine that keeps it
// connected.
type account struct {
	m      *Manager
	client *whatsmeow.Client
	engine *engine.Engine

	ctx    context.Context
	cancel context.CancelFunc
	// dropped wakes the run loop when the connection is lost.
	dropped chan struct{}
	// retry cuts short the wait before the next connection attempt.
	retry chan struct{}
	// firstCode is closed when the first QR code arrives, i.e. when the
	// server is ready for pairing.
	firstCode chan struct{}
	codeOnce  sync.Once

	mu     sync.Mutex
	status Status
	final  bool // logged out, replaced or expired: no more reconnecting
}

func newAccount(m *Manager, key string, d *store.Device) *account {
	pushes := engine.NewPushLog(m.opts.Log)
	client := whatsmeow.NewClient(d, pushes)
	// The account's own loop reconnects, with backoff and jitter;
	// whatsmeow's grows linearly without bound.
	client.EnableAutoReconnect = false
	if m.opts.Configure != nil {
		m.opts.Configure(client)
	}
	engineOpts := m.opts.Engine
	engineOpts.Pushes = pushes
	ctx, cancel := context.WithCancel(m.ctx)
	a := &account{
		m: m, client: client, engine: engine.New(client, engineOpts),
		ctx: ctx, cancel: cancel,
		dropped: make(chan struct{}, 1), retry: make(chan struct{}, 1), firstCode: make(chan struct{}),
		status: Status{Account: key, State: StateConnecting},
	}
	if d.ID != nil {
		a.status.Phone = d.ID.User
	}
	client.AddEventHandler(a.handleEvent)
	a.engine.Subscribe(func(c engine.Change) { m.publishPrivacy(a.current().Account, c) })
	return a
}

func (a *account) start() {
	a.m.running.Add(1)
	go func() {
		defer a.m.running.Done()
		a.run()
	}()
}

func (a *account) stop() {
	a.cancel()
	a.engine.Close()
	a.client.Disconnect()
}

func (a *account) current() Status {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.status
}

// update changes the status under the lock and publishes the result.
func (a *account) update(change func(s *Status)) {
	a.mu.Lock()
	change(&a.status)
	s := a.status
	a.mu.Unlock()
	a.m.publish(s)
}

func (a *account) setState(state State, detail string) {
	a.update(func(s *Status) {
		s.State, s.Detail, s.RetryAt = state, detail, time.Time{}
		if state != StateWaitingScan {
			s.QRCode, s.PairingCode = "", ""
		}
	})
}

func (a *account) isFinal() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.final
}

func (a *account) finish(state State, detail string) {
	a.mu.Lock()
	a.final = true
	a.mu.Unlock()
	a.setState(state, detail)
	a.cancel()
}

// run connects, and after every loss of connection reconnects, waiting
// longer after each failure, until the account is logged out or stopped.
func (a *account) run() {
	defer func() {
		a.engine.Close()
		a.client.Disconnect()
	}()
	failures := 0
	for a.ctx.Err() == nil && !a.isFinal() {
		a.setState(StateConnecting, "")
		if err := a.connect(); err != nil {
			failures++
			delay := a.m.opts.Backoff.Delay(failures)
			a.update(func(s *Status) {
				s.State, s.Detail, s.RetryAt = StateUnreachable, err.Error(), time.Now().Add(delay)
			})
			if !a.backOff(delay) {
				return
			}
			continue
		}
		select {
		case <-a.ctx.Done():
			return
		case <-a.dropped:
		}
		if a.isFinal() {
			return
		}
		// A connection that worked for a while deserves a quick retry.
		failures = 0
	}
}

// connect dials once. An unpaired device first asks for QR codes, which
// then arrive as status updates.
//
// The socket gets a context that is never cancelled: whatsmeow's read pump
// ends on a cancelled context without synchronising with Disconnect, so
// stopping goes through Disconnect alone (see run).
func (a *account) connect() error {
	if a.m.opts.BeforeConnect != nil {
		a.m.opts.BeforeConnect(a.ctx)
	}
	socketCtx := context.WithoutCancel(a.ctx)
	if a.client.Store.ID != nil {
		return a.client.ConnectContext(socketCtx)
	}
	qr, err := a.client.GetQRChannel(a.ctx)
	if err != nil {
		return fmt.Errorf("preparing to link: %w", err)
	}
	if err := a.client.ConnectContext(socketCtx); err != nil {
		return err
	}
	go a.followQR(qr)
	return nil
}

// followQR publishes each rotating QR code until pairing ends.
func (a *account) followQR(qr <-chan whatsmeow.QRChannelItem) {
	for item := range qr {
		switch {
		case item.Event == whatsmeow.QRChannelEventCode:
			a.codeOnce.Do(func() { close(a.firstCode) })
			a.update(func(s *Status) {
				s.State, s.QRCode, s.QRExpires = StateWaitingScan, item.Code, time.Now().Add(item.Timeout)
			})
		case item == whatsmeow.QRChannelTimeout:
			if a.current().State == StateWaitingScan {
				a.finish(StateCodeExpired, "No one scanned the code in time.")
			}
		case item.Event == whatsmeow.QRChannelEventError:
			a.finish(StateCodeExpired, "Linking failed: "+item.Error.Error())
		}
	}
}

// pairPhone asks WhatsApp for a code to type on phone's WhatsApp instead of
// scanning.
func (a *account) pairPhone(ctx context.Context, phone string) (string, error) {
	normalized, err := privacy.NormalizePhone(phone)
	if err != nil {
		return "", err
	}
	if a.client.Store.ID != nil {
		return "", errors.New("this account is already linked")
	}
	select {
	case <-a.firstCode:
	case <-ctx.Done():
		return "", fmt.Errorf("WhatsApp is not ready for linking yet: %w", ctx.Err())
	}
	// WhatsApp accepts only "Browser (OS)" display names it knows.
	code, err := a.client.PairPhone(ctx, normalized, true, whatsmeow.PairClientChrome, "Chrome (Linux)")
	if err != nil {
		return "", fmt.Errorf("asking WhatsApp for a pairing code: %w", err)
	}
	a.update(func(s *Status) { s.State, s.PairingCode, s.QRCode = StateWaitingScan, code, "" })
	return code, nil
}

func (a *account) unlink(ctx context.Context) error {
	if a.client.Store.ID == nil || !a.client.IsLoggedIn() {
		if a.client.Store.ID != nil {
			return errors.New("cannot unlink while disconnected from WhatsApp; try again once connected")
		}
		a.stop()
		return nil
	}
	a.mu.Lock()
	a.final = true
	a.mu.Unlock()
	if err := a.client.Logout(ctx); err != nil {
		a.mu.Lock()
		a.final = false
		a.mu.Unlock()
		return fmt.Errorf("unlinking: %w", err)
	}
	a.cancel()
	return nil
}

func (a *account) handleEvent(evt any) {
	switch e := evt.(type) {
	case *events.PairSuccess:
		old := a.current().Account
		a.m.rename(old, e.ID.User)
		a.update(func(s *Status) {
			s.Account, s.Was, s.Phone = e.ID.User, old, e.ID.User
			s.State, s.QRCode, s.PairingCode = StateConnecting, "", ""
		})
	case *events.Connected:
		a.setState(StateConnected, "")
	case *events.Disconnected:
		a.wake()
	case *events.LoggedOut:
		a.finish(StateLoggedOut, "This device was unlinked ("+strings.ReplaceAll(e.Reason.String(), "_", " ")+").")
		a.wake()
	case *events.StreamReplaced:
		a.finish(StateReplaced, "This account was opened in another tab or browser.")
		a.wake()
	case *events.ClientOutdated:
		// Reconnecting with the same version would be refused forever.
		a.finish(StateOutdated, "WhatsApp refused this app's version as outdated. This app needs an update: the operator must redeploy it.")
		a.wake()
	}
}

func (a *account) wake() {
	select {
	case a.dropped <- struct{}{}:
	default:
	}
}
