package appstate

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/waprivacy/waprivacy/wasm/crash"
	"github.com/waprivacy/waprivacy/wasm/engine"
	"github.com/waprivacy/waprivacy/wasm/outbox"
	"github.com/waprivacy/waprivacy/wasm/presets"
	"github.com/waprivacy/waprivacy/wasm/privacy"
	"github.com/waprivacy/waprivacy/wasm/session"
)

// Outcome is what became of an edit: applied (Result says how) or queued
// until the account is back online.
type Outcome struct {
	Queued bool
	Result engine.Result
}

// Apply changes the current account's settings, all or nothing. While the
// account is offline the edit is saved and applied on reconnection.
func (c *Core) Apply(ctx context.Context, u privacy.Update) (Outcome, error) {
	if err := u.Validate(); err != nil {
		return Outcome{}, invalid("", err)
	}
	account, e, err := c.target()
	if err != nil {
		return Outcome{}, err
	}
	if engine.SourceOf(ctx) == "app" {
		ctx = engine.WithSource(ctx, "form") // the journal's name for the settings screen
	}
	if e != nil {
		res, err := e.Apply(ctx, u)
		if err != nil && Unconfirmed(res) {
			// Applied, but the confirming read was lost: read again, so
			// the view and the history catch up.
			c.work.Go(func() {
				defer crash.Recover("reading the settings again")
				e.Refresh(context.Background())
			})
		}
		if !offline(err) {
			return Outcome{Result: res}, err
		}
	}
	return Outcome{Queued: true}, c.enqueue(ctx, account, outbox.Edit{Update: u})
}

// SetBlocked blocks or unblocks a contact (a phone number, or the
// "<digits>@lid" of one whose number is hidden) for the current account,
// or queues it while offline.
func (c *Core) SetBlocked(ctx context.Context, phone string, blocked bool) (Outcome, error) {
	normalized, err := privacy.NormalizeContact(phone)
	if err != nil {
		return Outcome{}, invalid("phone", err)
	}
	account, e, err := c.target()
	if err != nil {
		return Outcome{}, err
	}
	if e != nil {
		snap, err := e.SetBlocked(ctx, normalized, blocked)
		if !offline(err) {
			return Outcome{Result: engine.Result{Snapshot: snap}}, err
		}
	}
	return Outcome{Queued: true}, c.enqueue(ctx, account, outbox.Edit{Block: &privacy.BlockEdit{Phone: normalized, Blocked: blocked}})
}

// ApplyPreset applies the preset called id.
func (c *Core) ApplyPreset(ctx context.Context, id string) (Outcome, error) {
	p, ok := presets.ByID(id)
	if !ok {
		return Outcome{}, fmt.Errorf("unknown preset %q", id)
	}
	return c.Apply(engine.WithSource(ctx, "preset"), p.Update)
}

// Undo puts back what the history entry id changed: the settings all or
// nothing, then each blocklist change.
func (c *Core) Undo(ctx context.Context, id int64) (Outcome, error) {
	if !c.isStarted() {
		return Outcome{}, ErrNotStarted
	}
	entry, err := c.history.Get(ctx, id)
	if err != nil {
		return Outcome{}, err
	}
	if entry.Account != c.CurrentAccount() {
		return Outcome{}, errors.New("that change belongs to another account; switch to it first")
	}
	r := privacy.Undo(entry.Changes)
	var out Outcome
	if !r.Update.Empty() {
		if out, err = c.Apply(engine.WithSource(ctx, "undo"), r.Update); err != nil {
			return out, err
		}
	}
	for _, b := range r.Block {
		o, err := c.SetBlocked(ctx, b.Phone, b.Blocked)
		if err != nil {
			return o, err
		}
		out.Queued = out.Queued || o.Queued
	}
	return out, nil
}

// Resolve settles the conflict of queued edit id: keepMine applies the
// edit as made; otherwise the phone's values stay and the rest of the
// edit, if any, is applied.
func (c *Core) Resolve(ctx context.Context, id int64, keepMine bool) error {
	account, e, err := c.target()
	if err != nil {
		return err
	}
	edit, err := c.outbox.Get(ctx, account, id)
	if err != nil {
		return err
	}
	live, ok := e.Cached()
	if e == nil || !ok {
		return engine.ErrNotConnected
	}
	if !keepMine {
		var fields []privacy.Field
		for _, ch := range edit.Conflicts(live) {
			fields = append(fields, ch.Field)
		}
		rest, left := edit.Without(fields)
		if !left {
			err := c.outbox.Remove(ctx, id)
			c.refresh(account)
			return err
		}
		edit = rest
	}
	// Rebased on what the phone has now, the edit no longer conflicts.
	edit.Base = live
	if err := c.outbox.Replace(ctx, edit); err != nil {
		return err
	}
	c.refresh(account)
	return c.flush(account)
}

// Discard drops queued edit id unapplied.
func (c *Core) Discard(ctx context.Context, id int64) error {
	account, _, err := c.target()
	if err != nil {
		return err
	}
	err = c.outbox.Remove(ctx, id)
	c.refresh(account)
	return err
}

// RetryQueued tries queued edit id again, one that WhatsApp refused.
func (c *Core) RetryQueued(ctx context.Context, id int64) error {
	account, _, err := c.target()
	if err != nil {
		return err
	}
	if _, err := c.outbox.Get(ctx, account, id); err != nil {
		return err
	}
	if err := c.outbox.Mark(ctx, id, outbox.Pending, ""); err != nil {
		return err
	}
	return c.flush(account)
}

// target returns the current account and its engine if it is connected.
func (c *Core) target() (string, *engine.Engine, error) {
	if !c.isStarted() {
		return "", nil, ErrNotStarted
	}
	v := c.View()
	if !v.Linked() {
		return "", nil, ErrNoAccount
	}
	if !v.Connected() {
		return v.Current.Account, nil, nil
	}
	return v.Current.Account, c.manager.Engine(v.Current.Account), nil
}

// Unconfirmed reports whether a failed update was in fact applied whole,
// and only WhatsApp's confirmation of it is missing.
func Unconfirmed(res engine.Result) bool {
	if len(res.Outcomes) == 0 {
		return false
	}
	for _, o := range res.Outcomes {
		if o.Result != engine.ResultApplied && o.Result != engine.ResultUnchanged {
			return false
		}
	}
	return true
}

// offline reports whether err means the change could not reach WhatsApp,
// so it can wait in the queue. A connection that dropped mid-update may
// have left some of it applied; the queue's conflict check sees that.
// offline reports whether err means the account is not connected, so an
// edit waits in the queue. An update whose outcome is being recovered is
// not queued: recovery undoes it if partial, and the person is told.
func offline(err error) bool {
	var e *engine.Error
	return errors.As(err, &e) && e.Status == engine.StatusNotConnected && !e.Recovering
}

// recovering reports whether err says an interrupted update is still
// being resolved.
func recovering(err error) bool {
	var e *engine.Error
	return errors.As(err, &e) && e.Recovering
}

// enqueue saves an edit against what is known of the account now.
func (c *Core) enqueue(ctx context.Context, account string, e outbox.Edit) error {
	v := c.View()
	if !v.HasPrivacy || v.Current.Account != account {
		return &engine.Error{Status: engine.StatusNotConnected,
			Message: "Not connected to WhatsApp, and this account's settings were never loaded here, so the change cannot be saved for later. Try again once connected."}
	}
	e.Account, e.At, e.Base = account, c.opts.Now(), v.Privacy
	if _, err := c.outbox.Add(ctx, e); err != nil {
		return describe("saving the change for later", err)
	}
	c.refresh(account)
	return nil
}

// flushLater is flush on a goroutine of its own, whose failure to read
// or save the queue is shown in the view.
func (c *Core) flushLater(account string) {
	defer crash.Recover("applying the queued changes")
	if err := c.flush(account); err != nil {
		c.problem(err)
	}
}

// flush applies account's pending edits in order while it is connected.
// One flush per account runs at a time; edits whose fields the phone
// changed meanwhile wait for the person. It stops at the first error
// reading or saving the queue, and returns it: an edit WhatsApp refuses is
// marked failed, not an error here.
func (c *Core) flush(account string) error {
	c.mu.Lock()
	if _, running := c.flushing[account]; running {
		c.flushing[account] = true // the running flush goes round again
		c.mu.Unlock()
		return nil
	}
	c.flushing[account] = false
	c.mu.Unlock()
	defer c.refresh(account)
	for {
		err := c.flushOnce(account)
		c.mu.Lock()
		again := c.flushing[account] && err == nil
		if !again {
			delete(c.flushing, account)
		} else {
			c.flushing[account] = false
		}
		c.mu.Unlock()
		if !again {
			return err
		}
	}
}

// flushOnce goes through account's queue once; see flush.
func (c *Core) flushOnce(account string) error {
	ctx := engine.WithSource(context.Background(), "queued")
	edits, err := c.outbox.List(ctx, account)
	if err != nil {
		return describe("reading the changes waiting to be applied", err)
	}
	for _, edit := range edits {
		c.mu.Lock()
		applied := c.applied[edit.ID]
		c.mu.Unlock()
		if applied {
			// Applied already: only its removal is left to do.
			if err := c.removeApplied(ctx, edit.ID); err != nil {
				return err
			}
			continue
		}
		if edit.State != outbox.Pending {
			continue
		}
		e := c.manager.Engine(account)
		if e == nil {
			return nil
		}
		// Connected, as the session says: the engine reads at login, two
		// round trips before whatsmeow's Connected, and writes wait for
		// that (the session's Connected starts a flush too).
		if !slices.ContainsFunc(c.manager.Accounts(), func(s session.Status) bool {
			return s.Account == account && s.State == session.StateConnected
		}) {
			return nil
		}
		// The cached settings; if there are none (an update's confirming
		// read failed), a read now, as no other read is on its way to
		// flush again.
		live, err := e.Snapshot(ctx)
		if err != nil {
			return nil // offline again, or WhatsApp did not answer: the next connection flushes
		}
		if len(edit.Conflicts(live)) > 0 {
			if err := mark(c.outbox.Mark(ctx, edit.ID, outbox.Conflict, "")); err != nil {
				return describe("keeping a change that conflicts with the phone's for you to choose", err)
			}
			continue
		}
		if edit.Block != nil {
			_, err = e.SetBlocked(ctx, edit.Block.Phone, edit.Block.Blocked)
		} else {
			_, err = e.Apply(ctx, edit.Update)
		}
		switch {
		case offline(err), recovering(err):
			// Tried again with the next connection or read.
			return nil
		case err != nil:
			if err := mark(c.outbox.Mark(ctx, edit.ID, outbox.Failed, err.Error())); err != nil {
				return describe("noting that WhatsApp refused a queued change", err)
			}
		default:
			c.mu.Lock()
			c.applied[edit.ID] = true
			c.mu.Unlock()
			if err := c.removeApplied(ctx, edit.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// removeApplied removes an applied edit from the queue. Until that
// succeeds the edit stays in c.applied, so it is neither shown nor
// applied again while the page is open.
func (c *Core) removeApplied(ctx context.Context, id int64) error {
	if err := mark(c.outbox.Remove(ctx, id)); err != nil {
		return describe("removing an applied change from the queue", err)
	}
	c.mu.Lock()
	delete(c.applied, id)
	c.mu.Unlock()
	return nil
}

// mark ignores outbox.ErrNotFound: the person discarded the edit
// meanwhile, which is no failure.
func mark(err error) error {
	if errors.Is(err, outbox.ErrNotFound) {
		return nil
	}
	return err
}

// invalid is the engine's 400 for bad input: nothing is sent or queued.
func invalid(field string, err error) error {
	e := &engine.Error{Status: engine.StatusInvalid, Message: err.Error(), Err: err}
	var ve *privacy.ValidationError
	if errors.As(err, &ve) {
		e.Fields = ve.Fields
	} else {
		e.Fields = []privacy.FieldError{{Field: field, Message: err.Error()}}
	}
	return e
}
