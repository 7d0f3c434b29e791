package i18n

import (
	"strconv"
	"strings"

	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// CategoryTitle names c as WhatsApp's settings screen does.
func (l Lang) CategoryTitle(c privacy.Category) string { return l.T("category." + string(c)) }

// CategoryQuestion says what c decides, e.g. "Who can see my last seen".
func (l Lang) CategoryQuestion(c privacy.Category) string { return l.T("question." + string(c)) }

// ValueLabel names v of c as WhatsApp's settings screen does: read
// receipts are on or off, calls silence unknown callers, the rest are
// audiences. A value the model does not know for c, which a newer phone
// may have set, is named as it is on the wire, "Set on your phone: x";
// an empty one (the account did not report c) as not reported.
func (l Lang) ValueLabel(c privacy.Category, v privacy.Value) string {
	switch {
	case v == "":
		return l.T("value.missing")
	case !c.Allows(v):
		return l.F("value.unknown", string(v))
	case c == privacy.ReadReceipts, c == privacy.CallAdd:
		return l.T("value." + string(c) + "." + string(v))
	}
	return l.T("value." + string(v))
}

// TimerLabel names a default message timer.
func (l Lang) TimerLabel(t privacy.Timer) string {
	switch t {
	case privacy.TimerOff, privacy.Timer24Hours, privacy.Timer7Days, privacy.Timer90Days:
		return l.T("timer." + strconv.Itoa(int(t)))
	}
	return t.String()
}

// FieldTitle names a field of the history and of conflicts.
func (l Lang) FieldTitle(f privacy.Field) string {
	switch c, ok := f.Category(); {
	case f == privacy.FieldTimer:
		return l.T("timer.title")
	case f == privacy.FieldBlocked:
		return l.T("blocked.title")
	case ok && f == privacy.ExceptField(c):
		return l.F("except.title", l.CategoryTitle(c))
	case ok:
		return l.CategoryTitle(c)
	}
	return string(f)
}

// FieldValue names a setting's or the timer's value as Change spells it.
func (l Lang) FieldValue(f privacy.Field, value string) string {
	if f == privacy.FieldTimer {
		if t, ok := privacy.ParseTimer(value); ok {
			return l.TimerLabel(t)
		}
		return value
	}
	if c, ok := f.Category(); ok {
		return l.ValueLabel(c, privacy.Value(value))
	}
	return value
}

// Describe words one change, e.g. "Last seen: Everyone → Nobody" or
// "Blocked contacts: added +5511988887777", naming list entries as Phone
// does.
func (l Lang) Describe(ch privacy.Change) string { return l.DescribeWith(ch, Phone) }

// DescribeWith words one change as Describe does, naming each list entry
// with label, e.g. a snapshot's Label, which knows the usernames and
// names of contacts without a number.
func (l Lang) DescribeWith(ch privacy.Change, label func(entry string) string) string {
	title := l.FieldTitle(ch.Field)
	if !ch.Field.IsList() {
		return title + ": " + l.FieldValue(ch.Field, ch.Before) + " → " + l.FieldValue(ch.Field, ch.After)
	}
	var parts []string
	if len(ch.Added) > 0 {
		parts = append(parts, l.F("change.added", entries(ch.Added, label)))
	}
	if len(ch.Removed) > 0 {
		parts = append(parts, l.F("change.removed", entries(ch.Removed, label)))
	}
	return title + ": " + strings.Join(parts, "; ")
}

// Phone writes a list entry or an account's number: a phone number
// (digits) the international way, +digits; a LID ("<digits>@lid", a
// contact whose number WhatsApp hides) as it is, since it is no number,
// as privacy.Snapshot.Label does when it knows no name for it.
func Phone(entry string) string {
	if privacy.IsLID(entry) {
		return entry
	}
	return "+" + entry
}

func entries(list []string, label func(string) string) string {
	out := make([]string, len(list))
	for i, p := range list {
		out[i] = label(p)
	}
	return strings.Join(out, ", ")
}
