package engine

import (
	"context"
	"slices"

	waBinary "go.mau.fi/whatsmeow/binary"

	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// SetBlocked blocks or unblocks phone and returns the confirmed snapshot.
// Blocking someone already blocked (or unblocking someone who is not)
// changes nothing and sends nothing.
func (e *Engine) SetBlocked(ctx context.Context, phone string, blocked bool) (privacy.Snapshot, error) {
	phone, err := privacy.NormalizePhone(phone)
	if err != nil {
		return privacy.Snapshot{}, &Error{Status: StatusInvalid, Message: err.Error(),
			Fields: []privacy.FieldError{{Field: "phone", Message: err.Error()}}}
	}
	if e == nil {
		return privacy.Snapshot{}, ErrNotConnected
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return privacy.Snapshot{}, ErrNotConnected
	}
	if e.known() == nil {
		if _, err := e.refreshLocked(ctx, FromApp); err != nil {
			return privacy.Snapshot{}, err
		}
	}
	if slices.Contains(e.state.snap.Blocked, phone) == blocked {
		return e.state.snap.Clone(), nil
	}
	action := "unblock"
	if blocked {
		action = "block"
	}
	set := e.send(ctx, "blocklist", "set", []waBinary.Node{{
		Tag: "item", Attrs: waBinary.Attrs{"action": action, "jid": phoneJID(phone)},
	}})
	reads := e.sendReads(ctx)
	if _, err := set.wait(ctx); err != nil {
		reads.wait(ctx) // drain; the cache stays as it was
		verb := "Unblocking "
		if blocked {
			verb = "Blocking "
		}
		return privacy.Snapshot{}, classify(verb+phone, err)
	}
	st, err := reads.wait(ctx)
	if err != nil {
		e.state = nil
		return privacy.Snapshot{}, err
	}
	e.store(st, FromApp)
	return st.snap.Clone(), nil
}
