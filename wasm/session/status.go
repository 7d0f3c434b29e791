// Package session runs the linked WhatsApp accounts of one store, like
// Z-API's "instances": pairing by QR code or by a code typed on the phone,
// connecting, reconnecting with backoff and jitter, and unlinking. Every
// change of an account's state is published as a Status.
//
// The same code runs natively (tests redirect connections to the emulator)
// and in the browser, where the wasm build's WebSocket transport carries
// it through the relay.
package session

import "time"

// State is where an account stands, as a person would describe it.
type State string

const (
	StateConnecting  State = "connecting"
	StateWaitingScan State = "waiting-for-scan" // a QR code or pairing code is showing
	StateConnected   State = "connected"
	StateUnreachable State = "unreachable"  // WhatsApp or the relay cannot be reached; retrying
	StateCodeExpired State = "code-expired" // pairing codes ran out before anyone scanned
	StateReplaced    State = "replaced"     // the session was opened somewhere else
	StateLoggedOut   State = "logged-out"   // unlinked from the phone
	StateOutdated    State = "outdated"     // WhatsApp refuses this app's version; it needs redeploying
)

// Status is one account's state.
type Status struct {
	// Account is the key of the account in the manager: its phone number
	// once linked, or a temporary "link-N" while pairing.
	Account string
	// Was is the temporary key the account had while linking, so a
	// screen following "link-N" can follow it to its phone number.
	Was   string
	State State
	// Phone is the linked phone number (digits), once known.
	Phone string
	// QRCode is the text to show as a QR code while waiting for a scan,
	// until QRExpires.
	QRCode    string
	QRExpires time.Time
	// PairingCode is the code to type on the phone, as "ABCD-EFGH".
	PairingCode string
	// Detail says what went wrong, for the unreachable and logged-out
	// states.
	Detail string
	// RetryAt is when the next connection attempt starts, while
	// unreachable.
	RetryAt time.Time
}
