package engine

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"go.mau.fi/whatsmeow"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"

	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// Outcome reports what happened to one part of an update.
type Outcome struct {
	// Field is a category ("last"), its except-list ("last.except") or
	// "timer".
	Field string `json:"field"`
	// Result is one of the Result* constants.
	Result  string `json:"result"`
	Message string `json:"message,omitempty"`
}

const (
	ResultUnchanged     = "unchanged"      // already had the requested value; nothing sent
	ResultApplied       = "applied"        // changed and confirmed
	ResultFailed        = "failed"         // WhatsApp refused it; it never changed
	ResultRestored      = "restored"       // it changed, another part failed, so it was changed back
	ResultRestoreFailed = "restore-failed" // it changed, and changing it back failed too
	ResultUnconfirmed   = "not-confirmed"  // WhatsApp accepted it, but no read shows it
)

// Result is a completed update: the confirmed snapshot and what happened
// to each requested part.
type Result struct {
	Snapshot privacy.Snapshot
	Outcomes []Outcome
}

// iqSpec is one IQ to send.
type iqSpec struct {
	namespace, typ string
	content        []waBinary.Node
}

// step is one changed part of an update and how to undo it.
type step struct {
	field string
	iqs   []iqSpec
	// undo returns the IQs that restore the previous state, given the
	// answers to iqs.
	undo func(answers []*waBinary.Node) []iqSpec
	// shows reports whether a snapshot holds what the step asked for.
	shows func(privacy.Snapshot) bool
	// list is set for an except-list change, whose IQs address is the
	// account's way: see address.
	list *listEdit
	// part is what the journal records of it.
	part Part
}

// timerField is the default message timer's field.
const timerField = "timer"

// listEdit is an except-list change before it is addressed.
type listEdit struct {
	category    privacy.Category
	from        privacy.Value
	dhash       string
	add, remove []string
}

// Apply makes every change in u or none: it skips parts that already hold
// the requested value, sends the rest together with the confirming re-read,
// and if any part fails it changes back the parts that succeeded. A 409
// (the phone edited an except-list meanwhile) is retried once on the fresh
// list. With a journal, the update is recorded before anything is sent,
// and one whose outcome stays unknown (the connection or the page was
// lost) is resolved when the account next connects.
func (e *Engine) Apply(ctx context.Context, u privacy.Update) (Result, error) {
	if err := u.Validate(); err != nil {
		var ve *privacy.ValidationError
		errors.As(err, &ve)
		return Result{}, &Error{Status: StatusInvalid, Message: err.Error(), Fields: ve.Fields, Err: err}
	}
	if e == nil {
		return Result{}, ErrNotConnected
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return Result{}, ErrNotConnected
	}
	if err := e.recoverLocked(ctx); err != nil {
		return Result{}, err
	}
	if e.known() == nil {
		if _, err := e.refreshLocked(ctx, FromApp); err != nil {
			return Result{}, err
		}
	}
	if err := unavailable(e.state.snap, u); err != nil {
		return Result{}, err
	}
	steps, outcomes := plan(*e.state, u)
	if len(steps) == 0 {
		return Result{Snapshot: e.state.snap.Clone(), Outcomes: outcomes}, nil
	}
	if err := e.address(ctx, *e.state, steps); err != nil {
		return Result{}, err
	}
	id, err := e.begin(ctx, steps)
	if err != nil {
		return Result{}, err
	}
	res, settled, err := e.applySteps(ctx, u, steps, outcomes)
	if e.journal == nil {
		return res, err
	}
	if !settled {
		e.settled = false
		return res, stillOpen(err)
	}
	e.endLater(ctx, id)
	return res, err
}

// endLater closes the settled update id's record after the answer has
// gone back, since the person need not wait for that commit: the next
// operation waits for it (see awaitEnd). If closing fails the record
// stays open, and recovery finds every part where this update left it:
// it closes it without a change.
func (e *Engine) endLater(ctx context.Context, id int64) {
	account, done := e.account(), make(chan struct{})
	e.ending = done
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.timeout)
	go func() {
		defer close(done)
		defer cancel()
		if e.journal.End(ctx, account, id, nil) != nil {
			e.endFailed.Store(true)
		}
	}()
}

// awaitEnd waits until the last update's record is closed, and forgets
// that the journal is settled if closing it failed. Call it with e.mu
// held.
func (e *Engine) awaitEnd() {
	if e.ending == nil {
		return
	}
	<-e.ending
	e.ending = nil
	if e.endFailed.Swap(false) {
		e.settled = false
	}
}

// stillOpen says that an update's outcome is not known yet and is being
// recovered: whatever happened is resolved from a fresh read when the
// account is connected again, rather than guessed now.
func stillOpen(err error) error {
	e := classify("The update", err)
	out := &Error{Status: e.Status, Outcomes: e.Outcomes, Recovering: true, Err: err,
		Message: e.Message + " What reached WhatsApp is checked again as soon as the account is connected, and a partial change is undone then."}
	if out.Status == StatusRestoreFailure || out.Status == StatusInvalid || out.Status == StatusConflict {
		out.Status = StatusNotConnected
	}
	return out
}

// applySteps sends steps, then confirms, retries a conflict or rolls back.
// settled is false when the account may be left half changed: the
// confirmation or the rollback was lost.
func (e *Engine) applySteps(ctx context.Context, u privacy.Update, steps []step, outcomes []Outcome) (Result, bool, error) {
	answers, failures, st, readErr := e.run(ctx, steps)
	if conflict := retryable(steps, failures); conflict >= 0 && readErr == nil {
		// Re-plan only the conflicting list against the fresh read.
		fresh, _ := plan(st, onlyExcept(u, steps[conflict].field))
		if len(fresh) == 1 && e.address(ctx, st, fresh) == nil {
			a, f, st2, err2 := e.run(ctx, fresh)
			answers[conflict], failures[conflict], st, readErr = a[0], f[0], st2, err2
			steps[conflict] = fresh[0]
		} else if len(fresh) == 0 {
			failures[conflict] = nil // the phone already made this change
		}
	}

	failed := false
	for i, s := range steps {
		if failures[i] != nil {
			failed = true
			outcomes = append(outcomes, Outcome{Field: s.field, Result: ResultFailed, Message: classify(describeField(s.field), failures[i]).Message})
		}
	}
	if !failed {
		if readErr != nil {
			// Everything was accepted, but the confirmation was lost; the
			// cache must not claim values it has not seen.
			for _, s := range steps {
				outcomes = append(outcomes, Outcome{Field: s.field, Result: ResultApplied})
			}
			e.state = nil
			return Result{Outcomes: sortOutcomes(outcomes)}, false, readErr
		}
		res, err := e.confirm(ctx, steps, st, outcomes)
		return res, true, err
	}
	res, settled, err := e.rollback(ctx, steps, answers, failures, outcomes)
	// A request whose answer was lost may have been applied: only
	// WhatsApp's own refusals say that nothing changed.
	return res, settled && !slices.ContainsFunc(failures, lostAnswer), err
}

// lostAnswer reports whether err leaves unknown whether the request was
// applied: the connection dropped or the answer never came.
func lostAnswer(err error) bool {
	if err == nil {
		return false
	}
	var iq *whatsmeow.IQError
	return !errors.As(err, &iq)
}

// confirm checks that the re-read shows every accepted step. No source
// settles whether WhatsApp answers one connection's IQs in order, so a
// read that misses a value is repeated once, now that every write has
// been acknowledged; a value still missing is reported as not confirmed,
// never as applied.
func (e *Engine) confirm(ctx context.Context, steps []step, st readState, outcomes []Outcome) (Result, error) {
	missing := unconfirmed(steps, st)
	if len(missing) > 0 {
		if again, err := e.wait(ctx, e.sendReads(ctx)); err == nil {
			st, missing = again, unconfirmed(steps, again)
		}
	}
	e.store(st, FromApp)
	for _, s := range steps {
		if slices.Contains(missing, s.field) {
			outcomes = append(outcomes, Outcome{Field: s.field, Result: ResultUnconfirmed,
				Message: "WhatsApp accepted it, but reading the settings back does not show it yet."})
		} else {
			outcomes = append(outcomes, Outcome{Field: s.field, Result: ResultApplied})
		}
	}
	res := Result{Snapshot: st.snap.Clone(), Outcomes: sortOutcomes(outcomes)}
	if len(missing) == 0 {
		return res, nil
	}
	return res, &Error{Status: StatusUnconfirmed, Outcomes: res.Outcomes,
		Message: describeField(missing[0]) + " was accepted by WhatsApp, but reading it back does not show it yet; check again in a moment."}
}

// unconfirmed lists the fields of steps that st does not show.
func unconfirmed(steps []step, st readState) []string {
	var out []string
	for _, s := range steps {
		if !s.shows(st.snap) {
			out = append(out, s.field)
		}
	}
	return out
}

// unavailable refuses a category the account does not offer: WhatsApp
// lists an optional one only where the account has it.
func unavailable(snap privacy.Snapshot, u privacy.Update) error {
	var fields []privacy.FieldError
	for _, c := range privacy.Categories() {
		if _, asked := u.Settings[c]; !asked || !c.Optional() {
			continue
		}
		if _, offered := snap.Settings[c]; !offered {
			fields = append(fields, privacy.FieldError{Field: string(c), Message: c.Title() + " is not available on this account"})
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return &Error{Status: StatusInvalid, Message: fields[0].Message + "; nothing was changed.", Fields: fields}
}

// run sends every step and then the full re-read in one burst, and waits
// for all of it.
func (e *Engine) run(ctx context.Context, steps []step) ([][]*waBinary.Node, []error, readState, error) {
	sent := make([][]pending, len(steps))
	for i, s := range steps {
		for _, q := range s.iqs {
			sent[i] = append(sent[i], e.send(ctx, q.namespace, q.typ, q.content))
		}
	}
	reads := e.sendReads(ctx)

	answers := make([][]*waBinary.Node, len(steps))
	failures := make([]error, len(steps))
	for i := range steps {
		for _, p := range sent[i] {
			node, err := p.wait(ctx)
			if err == nil {
				err = categoryError(node)
			}
			if err != nil && failures[i] == nil {
				failures[i] = err
			}
			answers[i] = append(answers[i], node)
		}
	}
	st, err := e.wait(ctx, reads)
	return answers, failures, st, err
}

// rollback undoes the steps that succeeded, re-reads, and reports.
func (e *Engine) rollback(ctx context.Context, steps []step, answers [][]*waBinary.Node, failures []error, outcomes []Outcome) (Result, bool, error) {
	var undo []step
	for i, s := range steps {
		if failures[i] == nil {
			undo = append(undo, step{field: s.field, iqs: s.undo(answers[i])})
		}
	}
	_, undoFailures, st, readErr := e.run(ctx, undo)
	restoreFailed := false
	for i, s := range undo {
		if undoFailures[i] != nil {
			restoreFailed = true
			outcomes = append(outcomes, Outcome{Field: s.field, Result: ResultRestoreFailed,
				Message: "It changed, and changing it back failed: " + classify(describeField(s.field), undoFailures[i]).Message})
		} else {
			outcomes = append(outcomes, Outcome{Field: s.field, Result: ResultRestored})
		}
	}
	if readErr == nil {
		e.store(st, FromApp)
	} else {
		e.state = nil
	}
	first := firstFailure(steps, failures)
	err := &Error{Status: first.Status, Outcomes: sortOutcomes(outcomes), Err: first}
	if restoreFailed {
		err.Status = StatusRestoreFailure
		err.Message = first.Message + " Some changes that had already been made could not be undone; check the settings below."
	} else {
		err.Message = first.Message + " Nothing was changed."
	}
	// Acknowledged restores settle it, whether or not the read after them
	// came back.
	return Result{Snapshot: st.snap.Clone(), Outcomes: err.Outcomes}, !restoreFailed, err
}

func firstFailure(steps []step, failures []error) *Error {
	for i, f := range failures {
		if f != nil {
			return classify(describeField(steps[i].field), f)
		}
	}
	return &Error{Status: StatusInternalError, Message: "update failed"}
}

// retryable returns the index of a step that failed only because its list
// changed meanwhile, if it is the only failure.
func retryable(steps []step, failures []error) int {
	idx := -1
	for i, f := range failures {
		if f == nil {
			continue
		}
		if idx >= 0 || classify("", f).Status != StatusConflict || !isExceptField(steps[i].field) {
			return -1
		}
		idx = i
	}
	return idx
}

// categoryError finds a per-category error inside a successful privacy
// answer: WhatsApp reports a stale list hash as <category value="error">
// with an <error code="409"/> child, in a result IQ.
func categoryError(node *waBinary.Node) error {
	p, ok := node.GetOptionalChildByTag("privacy")
	if !ok {
		return nil
	}
	for _, c := range p.GetChildrenByTag("category") {
		if c.AttrGetter().OptionalString("value") == "error" {
			return iqError(&c)
		}
	}
	return nil
}

// plan turns u into the steps that change something, and outcomes for the
// parts that are already as requested.
func plan(st readState, u privacy.Update) ([]step, []Outcome) {
	var steps []step
	var outcomes []Outcome
	for _, c := range privacy.Categories() {
		want, setting := u.Settings[c]
		delta, listing := u.Except[c]
		if !setting && !listing {
			continue
		}
		have := st.snap.Settings[c]
		if listing {
			add, remove := effectiveDelta(st.snap.Except[c], delta)
			if len(add)+len(remove) > 0 {
				steps = append(steps, listStep(c, have, st.hashes[c], add, remove))
				continue
			}
			if !setting {
				outcomes = append(outcomes, Outcome{Field: exceptField(c), Result: ResultUnchanged})
			}
			want = privacy.ContactBlacklist
		}
		if have == want {
			outcomes = append(outcomes, Outcome{Field: string(c), Result: ResultUnchanged})
			continue
		}
		steps = append(steps, valueStep(c, have, want))
	}
	if u.Timer != nil {
		if *u.Timer == st.snap.DefaultTimer {
			outcomes = append(outcomes, Outcome{Field: timerField, Result: ResultUnchanged})
		} else {
			steps = append(steps, timerStep(st.snap.DefaultTimer, *u.Timer))
		}
	}
	return steps, outcomes
}

func valueStep(c privacy.Category, from, to privacy.Value) step {
	return step{
		field: string(c),
		iqs:   []iqSpec{setValue(c, to)},
		undo:  func([]*waBinary.Node) []iqSpec { return []iqSpec{setValue(c, from)} },
		shows: func(s privacy.Snapshot) bool { return s.Settings[c] == to },
		part:  Part{Field: string(c), Before: string(from), Target: string(to)},
	}
}

func setValue(c privacy.Category, v privacy.Value) iqSpec {
	return iqSpec{"privacy", "set", []waBinary.Node{{Tag: "privacy", Content: []waBinary.Node{{
		Tag: "category", Attrs: waBinary.Attrs{"name": string(c), "value": string(v)},
	}}}}}
}

// listStep changes c's except-list, which also sets c to contact_blacklist.
// Its IQs are written by address, once the entries' LIDs are known.
func listStep(c privacy.Category, from privacy.Value, dhash string, add, remove []string) step {
	return step{
		field: exceptField(c),
		list:  &listEdit{category: c, from: from, dhash: dhash, add: add, remove: remove},
		part: Part{Field: exceptField(c), Before: string(from), Target: string(privacy.ContactBlacklist),
			Add: add, Remove: remove, DHash: dhash},
		shows: func(s privacy.Snapshot) bool {
			list := s.Except[c]
			for _, p := range add {
				if !slices.Contains(list, p) {
					return false
				}
			}
			for _, p := range remove {
				if slices.Contains(list, p) {
					return false
				}
			}
			return s.Settings[c] == privacy.ContactBlacklist
		},
	}
}

// address writes the IQs of the list steps the way the account addresses
// contacts: by LID with the phone number beside it on a LID-migrated
// account, by phone number on one that is not. The LIDs of every list's
// new entries are looked up together, before anything is sent.
func (e *Engine) address(ctx context.Context, st readState, steps []step) error {
	if !st.listsByLID {
		for i, s := range steps {
			if s.list != nil {
				steps[i].iqs, steps[i].undo = s.list.iqs(nil)
			}
		}
		return nil
	}
	var entries []string
	field := ""
	for _, s := range steps {
		if s.list != nil {
			entries = append(append(entries, s.list.add...), s.list.remove...)
			if field == "" {
				field = s.field
			}
		}
	}
	lids, err := e.lidsOf(ctx, field, entries)
	if err != nil {
		return err
	}
	for i, s := range steps {
		if s.list != nil {
			steps[i].iqs, steps[i].undo = s.list.iqs(lids)
		}
	}
	return nil
}

// iqs are the edit's IQ and its undo: the inverse change with the list's
// new hash, then the previous value. lids is nil on an account addressed
// by phone number.
func (l *listEdit) iqs(lids map[string]types.JID) ([]iqSpec, func([]*waBinary.Node) []iqSpec) {
	do := []iqSpec{editList(l.category, l.dhash, l.add, l.remove, lids)}
	undo := func(answers []*waBinary.Node) []iqSpec {
		undo := []iqSpec{editList(l.category, newHash(answers[0], l.category), l.remove, l.add, lids)}
		if l.from != privacy.ContactBlacklist {
			undo = append(undo, setValue(l.category, l.from))
		}
		return undo
	}
	return do, undo
}

// editList is the except-list change of protocol-2026 §2: on a migrated
// account <privacy addressing_mode="lid"> and <user jid=LID pn_jid=PN>
// (WA Web's WAWebSetPrivacyJob, LID branch; the phone-number form answers
// 400 there), else <user jid=PN>.
func editList(c privacy.Category, dhash string, add, remove []string, lids map[string]types.JID) iqSpec {
	var users []waBinary.Node
	user := func(action, entry string) waBinary.Node {
		attrs := waBinary.Attrs{"action": action}
		switch {
		case lids == nil:
			attrs["jid"] = phoneJID(entry)
		case privacy.IsLID(entry):
			attrs["jid"] = lids[entry]
		default:
			attrs["jid"], attrs["pn_jid"] = lids[entry], phoneJID(entry)
		}
		return waBinary.Node{Tag: "user", Attrs: attrs}
	}
	for _, p := range add {
		users = append(users, user("add", p))
	}
	for _, p := range remove {
		users = append(users, user("remove", p))
	}
	if dhash == "" {
		dhash = "none"
	}
	privacyNode := waBinary.Node{Tag: "privacy", Content: []waBinary.Node{{
		Tag:     "category",
		Attrs:   waBinary.Attrs{"name": string(c), "value": string(privacy.ContactBlacklist), "dhash": dhash},
		Content: users,
	}}}
	if lids != nil {
		privacyNode.Attrs = lidAddressing
	}
	return iqSpec{"privacy", "set", []waBinary.Node{privacyNode}}
}

// newHash reads the list hash WhatsApp returned for c after a change.
func newHash(answer *waBinary.Node, c privacy.Category) string {
	p, _ := answer.GetOptionalChildByTag("privacy")
	for _, cat := range p.GetChildrenByTag("category") {
		if cat.AttrGetter().OptionalString("name") == string(c) {
			return cat.AttrGetter().OptionalString("dhash")
		}
	}
	return ""
}

func timerStep(from, to privacy.Timer) step {
	return step{
		field: timerField,
		iqs:   []iqSpec{setTimer(to)},
		undo:  func([]*waBinary.Node) []iqSpec { return []iqSpec{setTimer(from)} },
		shows: func(s privacy.Snapshot) bool { return s.DefaultTimer == to },
		part:  Part{Field: timerField, Before: strconv.Itoa(int(from)), Target: strconv.Itoa(int(to))},
	}
}

func setTimer(t privacy.Timer) iqSpec {
	return iqSpec{"disappearing_mode", "set", []waBinary.Node{{
		Tag: "disappearing_mode", Attrs: waBinary.Attrs{"duration": strconv.Itoa(int(t))},
	}}}
}

// effectiveDelta drops additions already on the list and removals not on
// it, so a retried or repeated request is a no-op.
func effectiveDelta(list []string, d privacy.ExceptDelta) (add, remove []string) {
	for _, p := range d.Add {
		if !slices.Contains(list, p) && !slices.Contains(add, p) {
			add = append(add, p)
		}
	}
	for _, p := range d.Remove {
		if slices.Contains(list, p) && !slices.Contains(remove, p) && !slices.Contains(add, p) {
			remove = append(remove, p)
		}
	}
	return add, remove
}

func exceptField(c privacy.Category) string { return string(c) + ".except" }

func isExceptField(f string) bool {
	_, ok := exceptCategory(f)
	return ok
}

func exceptCategory(f string) (privacy.Category, bool) {
	for _, c := range privacy.ExceptListCategories() {
		if f == exceptField(c) {
			return c, true
		}
	}
	return "", false
}

// onlyExcept keeps the part of u that concerns one except-list field.
func onlyExcept(u privacy.Update, field string) privacy.Update {
	c, _ := exceptCategory(field)
	return privacy.Update{Except: map[privacy.Category]privacy.ExceptDelta{c: u.Except[c]}}
}

// describeField names a field for messages.
func describeField(f string) string {
	if c, ok := exceptCategory(f); ok {
		return "Changing the " + c.Title() + " exceptions"
	}
	if f == timerField {
		return "Changing the default message timer"
	}
	return "Changing " + privacy.Category(f).Title()
}

// sortOutcomes orders outcomes as the settings screen does.
func sortOutcomes(out []Outcome) []Outcome {
	order := map[string]int{}
	for i, c := range privacy.Categories() {
		order[string(c)] = 2 * i
		order[exceptField(c)] = 2*i + 1
	}
	order[timerField] = len(order) + 1
	slices.SortStableFunc(out, func(a, b Outcome) int { return order[a.Field] - order[b.Field] })
	return out
}
