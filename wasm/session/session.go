// Package session runs the WhatsApp companion: the whatsmeow client, its
// connection state and its pairing codes, reported as Status values.
//
// The same code runs natively (tests redirect the connection to the
// emulator) and in the browser, where the wasm build's WebSocket transport
// carries it through the relay.
package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types/events"
	waLog "go.mau.fi/whatsmeow/util/log"
)

// State is where the session stands, as a person would describe it.
type State string

const (
	StateConnecting  State = "connecting"
	StateWaitingScan State = "waiting-for-scan"
	StateConnected   State = "connected"
	StateUnreachable State = "unreachable"
	StateLoggedOut   State = "logged-out"
)

// Status is one report from a running session.
type Status struct {
	State State
	// QRCode is the text to show as a QR code while waiting for a scan.
	QRCode string
	// QRExpires is when QRCode stops being accepted.
	QRExpires time.Time
	// Detail says what went wrong, for StateUnreachable and StateLoggedOut.
	Detail string
}

// Options configure Run.
type Options struct {
	// Configure, if set, is applied to the client before it connects; tests
	// use it to redirect the connection.
	Configure func(*whatsmeow.Client)
	// Log receives whatsmeow's own log lines; nil discards them.
	Log waLog.Logger
	// RetryDelay is the wait before redialling an unreachable server.
	RetryDelay time.Duration
}

// Run connects device and reports its status until ctx ends. An unpaired
// device shows rotating QR codes; a paired one logs in.
func Run(ctx context.Context, device *store.Device, opts Options, report func(Status)) error {
	if opts.Log == nil {
		opts.Log = waLog.Noop
	}
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = 5 * time.Second
	}
	client := whatsmeow.NewClient(device, opts.Log)
	if opts.Configure != nil {
		opts.Configure(client)
	}
	client.AddEventHandler(func(evt any) {
		switch e := evt.(type) {
		case *events.Connected:
			report(Status{State: StateConnected})
		case *events.LoggedOut:
			report(Status{State: StateLoggedOut, Detail: e.Reason.String()})
		}
	})
	defer client.Disconnect()

	for {
		report(Status{State: StateConnecting})
		err := connect(ctx, client, report)
		if err == nil {
			<-ctx.Done()
			return ctx.Err()
		}
		report(Status{State: StateUnreachable, Detail: err.Error()})
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(opts.RetryDelay):
		}
	}
}

// connect dials once; for an unpaired device it then forwards QR codes in
// the background.
func connect(ctx context.Context, client *whatsmeow.Client, report func(Status)) error {
	if client.Store.ID != nil {
		return client.ConnectContext(ctx)
	}
	qr, err := client.GetQRChannel(ctx)
	if err != nil {
		return fmt.Errorf("preparing pairing: %w", err)
	}
	if err := client.ConnectContext(ctx); err != nil {
		return err
	}
	go func() {
		for item := range qr {
			switch item.Event {
			case whatsmeow.QRChannelEventCode:
				report(Status{State: StateWaitingScan, QRCode: item.Code, QRExpires: time.Now().Add(item.Timeout)})
			case whatsmeow.QRChannelEventError:
				report(Status{State: StateUnreachable, Detail: errors.Join(errors.New("pairing failed"), item.Error).Error()})
			}
		}
	}()
	return nil
}
