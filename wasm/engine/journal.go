package engine

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// Journal keeps, durably, what each update is about to change, from
// before its first request leaves until its outcome is known. An update
// cut short by a lost connection, a closed tab or a crash leaves its
// record open, and the engine resolves it against a fresh read when the
// account next connects and before any new update (see recoverLocked):
// all or nothing then holds even when nobody was there to roll back.
type Journal interface {
	// Begin records in before anything is sent, and returns its id; it
	// must be on disk when it returns.
	Begin(ctx context.Context, account string, in Intent) (id int64, err error)
	// End closes the record. r is set when recovery closed it.
	End(ctx context.Context, account string, id int64, r *Recovery) error
	// Open lists the account's open records, oldest first.
	Open(ctx context.Context, account string) ([]Intent, error)
}

// Intent is what one update set out to change.
type Intent struct {
	ID int64     `json:"-"`
	At time.Time `json:"-"`
	// Source is where the update came from: "form", "preset", "undo",
	// "queued", "api", or "app" when the caller did not say.
	Source string `json:"source"`
	Parts  []Part `json:"parts"`
}

// Part is one field an update changes.
type Part struct {
	// Field is a category ("last"), its except-list ("last.except") or
	// "timer".
	Field string `json:"field"`
	// Before and Target are the field's value before and after: a
	// category's value, or the timer's seconds. For an except-list they
	// are the category's value, which the change sets to
	// contact_blacklist.
	Before string `json:"before"`
	Target string `json:"target"`
	// Add and Remove are an except-list's entries, as the snapshot holds
	// them, and DHash the list hash the change was sent with.
	Add    []string `json:"add,omitempty"`
	Remove []string `json:"remove,omitempty"`
	DHash  string   `json:"dhash,omitempty"`
}

// Recovery is how an interrupted update was resolved.
type Recovery struct {
	Intent Intent
	// Result is RecoveredApplied, RecoveredUndone or RecoveredUnchanged.
	Result string
	// Parts says, field by field, what recovery found and did: applied
	// (it had reached WhatsApp and stays), restored (changed back),
	// unchanged (it had not reached WhatsApp), or phone-changed (it holds
	// a value that is neither, set on the phone meanwhile, and is left
	// as the phone has it).
	Parts []Outcome
	// Changes are what recovery changed back, for the history.
	Changes []privacy.Change
}

// How recovery resolved an update, and one part of it.
const (
	RecoveredApplied   = "applied"   // every part had reached WhatsApp
	RecoveredUndone    = "undone"    // the parts that had were changed back
	RecoveredUnchanged = "unchanged" // no part had
	ResultPhoneChanged = "phone-changed"
)

// FromRecovery marks the change an interrupted update's recovery made.
const FromRecovery Source = "recovery"

type sourceKey struct{}

// WithSource tells the journal where the updates made with ctx come from.
func WithSource(ctx context.Context, source string) context.Context {
	return context.WithValue(ctx, sourceKey{}, source)
}

// SourceOf is where ctx says its updates come from, or "app".
func SourceOf(ctx context.Context) string {
	if s, ok := ctx.Value(sourceKey{}).(string); ok && s != "" {
		return s
	}
	return "app"
}

// position says whether snapshot s holds the part's target, its previous
// value, or (neither) a third.
func (p Part) position(s privacy.Snapshot) (atTarget, atBefore bool) {
	if p.Field == timerField {
		now := strconv.Itoa(int(s.DefaultTimer))
		return now == p.Target, now == p.Before
	}
	if c, ok := exceptCategory(p.Field); ok {
		list, value := s.Except[c], string(s.Settings[c])
		has := func(entry string) bool { return slices.Contains(list, entry) }
		allAdded, noneAdded := allOf(p.Add, has), noneOf(p.Add, has)
		allRemoved, noneRemoved := noneOf(p.Remove, has), allOf(p.Remove, has)
		return allAdded && allRemoved && value == p.Target, noneAdded && noneRemoved && value == p.Before
	}
	now := string(s.Settings[privacy.Category(p.Field)])
	return now == p.Target, now == p.Before
}

func allOf(entries []string, ok func(string) bool) bool {
	for _, e := range entries {
		if !ok(e) {
			return false
		}
	}
	return true
}

func noneOf(entries []string, ok func(string) bool) bool {
	for _, e := range entries {
		if ok(e) {
			return false
		}
	}
	return true
}

// undoStep is the step that puts a part that reached its target back,
// against the fresh read st: an except-list gets the inverse change with
// the list's current hash.
func (p Part) undoStep(st readState) step {
	if p.Field == timerField {
		from, _ := strconv.Atoi(p.Target)
		to, _ := strconv.Atoi(p.Before)
		return timerStep(privacy.Timer(from), privacy.Timer(to))
	}
	if c, ok := exceptCategory(p.Field); ok {
		s := listStep(c, privacy.Value(p.Before), st.hashes[c], p.Remove, p.Add)
		s.shows = func(snap privacy.Snapshot) bool { _, before := p.position(snap); return before }
		return s
	}
	return valueStep(privacy.Category(p.Field), privacy.Value(p.Target), privacy.Value(p.Before))
}

// begin records the intent of steps, if the engine keeps a journal.
func (e *Engine) begin(ctx context.Context, steps []step) (int64, error) {
	if e.journal == nil {
		return 0, nil
	}
	in := Intent{Source: SourceOf(ctx)}
	for _, s := range steps {
		in.Parts = append(in.Parts, s.part)
	}
	id, err := e.journal.Begin(ctx, e.account(), in)
	if err != nil {
		return 0, &Error{Status: StatusInternalError, Err: err,
			Message: "The update could not be recorded on this device first, so nothing was sent: " + err.Error()}
	}
	return id, nil
}

// account is the linked account's phone number, which keys its journal.
func (e *Engine) account() string {
	if id := e.client.Store.ID; id != nil {
		return id.User
	}
	return ""
}

// recoverLocked resolves the account's interrupted updates, oldest first,
// each against a fresh read; call it with e.mu held. An update whose
// recovery is itself cut short stays open and is resolved the next time,
// from what the account then holds: recovery only ever changes back parts
// that hold their target, so running it twice does no harm.
func (e *Engine) recoverLocked(ctx context.Context) error {
	e.awaitEnd()
	if e.journal == nil || e.settled || e.closed || !e.client.IsLoggedIn() {
		return nil
	}
	account := e.account()
	open, err := e.journal.Open(ctx, account)
	if err != nil {
		return &Error{Status: StatusInternalError, Err: err,
			Message: "An interrupted update could not be read from this device, so no new change is sent: " + err.Error()}
	}
	for _, in := range open {
		st, err := e.wait(ctx, e.sendReads(ctx))
		if err != nil {
			return recoveringError(err)
		}
		r, st, err := e.resolve(ctx, in, st)
		if err != nil {
			return recoveringError(err)
		}
		if err := e.journal.End(ctx, account, in.ID, &r); err != nil {
			return &Error{Status: StatusInternalError, Err: err,
				Message: "An interrupted update was resolved, but this device could not record it: " + err.Error()}
		}
		before := privacy.Snapshot{}
		if old := e.known(); old != nil {
			before = old.snap.Clone()
		}
		e.state = &st
		e.publish(Change{Before: before, Snapshot: st.snap.Clone(), Source: FromRecovery, Recovery: &r})
	}
	e.settled = true
	return nil
}

// resolve finds where each part of in stands in st and changes back those
// that reached their target if others did not.
func (e *Engine) resolve(ctx context.Context, in Intent, st readState) (Recovery, readState, error) {
	r := Recovery{Intent: in}
	var reached []Part
	missed := 0
	for _, p := range in.Parts {
		atTarget, atBefore := p.position(st.snap)
		switch {
		case atBefore:
			missed++
			r.Parts = append(r.Parts, Outcome{Field: p.Field, Result: ResultUnchanged})
		case atTarget:
			reached = append(reached, p)
		default:
			r.Parts = append(r.Parts, Outcome{Field: p.Field, Result: ResultPhoneChanged,
				Message: "It was changed on the phone meanwhile, and is left as the phone has it."})
		}
	}
	switch {
	case len(reached) == 0:
		r.Result = RecoveredUnchanged
		r.Parts = sortOutcomes(r.Parts)
		return r, st, nil
	case missed == 0:
		r.Result = RecoveredApplied
		for _, p := range reached {
			r.Parts = append(r.Parts, Outcome{Field: p.Field, Result: ResultApplied})
		}
		r.Parts = sortOutcomes(r.Parts)
		return r, st, nil
	}
	steps := make([]step, len(reached))
	for i, p := range reached {
		steps[i] = p.undoStep(st)
	}
	if err := e.address(ctx, st, steps); err != nil {
		return r, st, err
	}
	for i, p := range reached {
		// An except-list's change set the category to contact_blacklist;
		// its previous value comes back after the list.
		if steps[i].list != nil && p.Before != string(privacy.ContactBlacklist) {
			c, _ := exceptCategory(p.Field)
			steps[i].iqs = append(steps[i].iqs, setValue(c, privacy.Value(p.Before)))
		}
	}
	_, failures, fresh, err := e.run(ctx, steps)
	for i, f := range failures {
		if f != nil {
			return r, st, classify(describeField(steps[i].field), f)
		}
	}
	if err != nil {
		return r, st, err
	}
	if missing := unconfirmed(steps, fresh); len(missing) > 0 {
		return r, fresh, &Error{Status: StatusUnconfirmed,
			Message: describeField(missing[0]) + " was changed back, but reading it does not show it yet."}
	}
	r.Result = RecoveredUndone
	for _, p := range reached {
		r.Parts = append(r.Parts, Outcome{Field: p.Field, Result: ResultRestored})
		r.Changes = append(r.Changes, p.changeBack(st.snap, fresh.snap)...)
	}
	r.Parts = sortOutcomes(r.Parts)
	return r, fresh, nil
}

// changeBack is what changing p back did, as the history shows changes:
// the field's, and for an except-list its category's value too.
func (p Part) changeBack(from, to privacy.Snapshot) []privacy.Change {
	fields := []privacy.Field{privacy.Field(p.Field)}
	if c, ok := exceptCategory(p.Field); ok {
		fields = append(fields, privacy.SettingField(c))
	}
	var out []privacy.Change
	for _, ch := range privacy.Diff(from, to) {
		if slices.Contains(fields, ch.Field) {
			out = append(out, ch)
		}
	}
	return out
}

// recoveringError says that an interrupted update is still to be
// resolved, and no new change goes out until it is.
func recoveringError(cause error) error {
	e := classify("Checking an interrupted update", cause)
	return &Error{Status: e.Status, Recovering: true, Err: cause,
		Message: "An earlier update was interrupted and is still being checked, so nothing new was sent: " + e.Message}
}
