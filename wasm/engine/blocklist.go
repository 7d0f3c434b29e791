package engine

import (
	"context"
	"slices"

	waBinary "go.mau.fi/whatsmeow/binary"

	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// SetBlocked blocks or unblocks a contact, by phone number or by LID
// ("<digits>@lid", for a contact whose number is hidden), and returns the
// confirmed snapshot. Blocking someone already blocked (or unblocking
// someone who is not) changes nothing and sends nothing.
func (e *Engine) SetBlocked(ctx context.Context, contact string, blocked bool) (privacy.Snapshot, error) {
	entry, err := privacy.NormalizeContact(contact)
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
	if slices.Contains(e.state.snap.Blocked, entry) == blocked {
		return e.state.snap.Clone(), nil
	}
	item, err := e.blockItem(ctx, entry, blocked)
	if err != nil {
		return privacy.Snapshot{}, err
	}
	set := e.send(ctx, "blocklist", "set", []waBinary.Node{item})
	reads := e.sendReads(ctx)
	if _, err := set.wait(ctx); err != nil {
		e.wait(ctx, reads) // drain; the cache stays as it was
		return privacy.Snapshot{}, classify(blockVerb(blocked)+e.state.snap.Label(entry), err)
	}
	st, err := e.wait(ctx, reads)
	if err == nil && slices.Contains(st.snap.Blocked, entry) != blocked {
		// As in confirm: read once more before calling it unconfirmed.
		st, err = e.wait(ctx, e.sendReads(ctx))
	}
	if err != nil {
		e.state = nil
		return privacy.Snapshot{}, err
	}
	e.store(st, FromApp)
	if slices.Contains(st.snap.Blocked, entry) != blocked {
		return st.snap.Clone(), &Error{Status: StatusUnconfirmed,
			Message:  blockVerb(blocked) + st.snap.Label(entry) + " was accepted by WhatsApp, but the blocklist does not show it yet; check again in a moment.",
			Outcomes: []Outcome{{Field: string(privacy.FieldBlocked), Result: ResultUnconfirmed}}}
	}
	return st.snap.Clone(), nil
}

// blockItem is the blocklist change of protocol-2026 §3. On a migrated
// account a block names the LID with the number beside it, and an
// unblock the LID alone (whatsmeow's UpdateBlocklist since its PR #1137,
// Baileys' updateBlockStatus); a block by phone number alone answers 400
// there (whatsapp-rust PR #600). An account that is not migrated takes
// phone numbers. Call it with e.mu held.
func (e *Engine) blockItem(ctx context.Context, entry string, blocked bool) (waBinary.Node, error) {
	attrs := waBinary.Attrs{"action": "unblock"}
	if blocked {
		attrs["action"] = "block"
	}
	if !e.state.blockedByLID {
		attrs["jid"] = phoneJID(entry)
		return waBinary.Node{Tag: "item", Attrs: attrs}, nil
	}
	lids, err := e.lidsOf(ctx, "phone", []string{entry})
	if err != nil {
		return waBinary.Node{}, err
	}
	attrs["jid"] = lids[entry]
	switch {
	case blocked && !privacy.IsLID(entry):
		attrs["pn_jid"] = phoneJID(entry)
	case blocked:
		// A contact whose number is hidden: WA Web marks the block as
		// such rather than sending no number (zapo PR #208).
		attrs["unknown_identifier"] = "true"
	}
	return waBinary.Node{Tag: "item", Attrs: attrs}, nil
}

func blockVerb(blocked bool) string {
	if blocked {
		return "Blocking "
	}
	return "Unblocking "
}
