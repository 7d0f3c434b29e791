package engine

import (
	"errors"
	"fmt"

	"go.mau.fi/whatsmeow"

	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// HTTP-like statuses for every failure, so the UI and the in-page API say
// the same thing.
const (
	StatusInvalid        = 400 // the request is wrong; nothing was sent
	StatusConflict       = 409 // the phone changed the same thing meanwhile
	StatusWhatsAppError  = 502 // WhatsApp refused or answered oddly
	StatusNotConnected   = 503 // no connection to WhatsApp
	StatusTimeout        = 504 // WhatsApp did not answer in time
	StatusInternalError  = 500 // a bug of ours
	StatusRestoreFailure = 500 // a failed update could not be undone
	StatusUnconfirmed    = 502 // WhatsApp accepted a change that no read shows
)

// Error is a failure with its status and words for people.
type Error struct {
	Status  int
	Message string
	// Fields lists every invalid field (status 400).
	Fields []privacy.FieldError
	// Outcomes reports each part of a failed update.
	Outcomes []Outcome
	// Recovering is set when what an update changed is not known yet: it
	// is resolved from a fresh read once the account is connected.
	Recovering bool
	// Err is the underlying cause, if any.
	Err error
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// ErrNotConnected is returned while there is no connection to WhatsApp.
var ErrNotConnected = &Error{Status: StatusNotConnected,
	Message: "Not connected to WhatsApp. Check that this device is linked and online, then try again."}

// errTimeout is what an IQ that got no answer in time returns.
var errTimeout = errors.New("WhatsApp did not answer in time")

// errDisconnected is what an IQ whose connection dropped returns.
var errDisconnected = errors.New("the connection to WhatsApp dropped")

// classify turns a transport or protocol failure into an *Error.
func classify(what string, err error) *Error {
	var e *Error
	var iq *whatsmeow.IQError
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, errTimeout):
		return &Error{Status: StatusTimeout, Message: fmt.Sprintf("%s: WhatsApp did not answer in time; nothing is known to have changed, try again.", what), Err: err}
	case errors.Is(err, errDisconnected), errors.Is(err, whatsmeow.ErrNotConnected), errors.Is(err, whatsmeow.ErrNotLoggedIn):
		return &Error{Status: StatusNotConnected, Message: fmt.Sprintf("%s: the connection to WhatsApp dropped; try again once it is back.", what), Err: err}
	case errors.As(err, &iq) && iq.Code == 409:
		return &Error{Status: StatusConflict, Message: fmt.Sprintf("%s: the list changed on your phone meanwhile; reload it and try again.", what), Err: err}
	case errors.As(err, &iq):
		return &Error{Status: StatusWhatsAppError, Message: fmt.Sprintf("%s: WhatsApp refused it (%d %s).", what, iq.Code, iq.Text), Err: err}
	default:
		return &Error{Status: StatusWhatsAppError, Message: fmt.Sprintf("%s: %v", what, err), Err: err}
	}
}
