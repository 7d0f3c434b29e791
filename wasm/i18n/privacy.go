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
// audiences.
func (l Lang) ValueLabel(c privacy.Category, v privacy.Value) string {
	switch c {
	case privacy.ReadReceipts, privacy.CallAdd:
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
// "Blocked contacts: added +5511988887777".
func (l Lang) Describe(ch privacy.Change) string {
	title := l.FieldTitle(ch.Field)
	if !ch.Field.IsList() {
		return title + ": " + l.FieldValue(ch.Field, ch.Before) + " → " + l.FieldValue(ch.Field, ch.After)
	}
	var parts []string
	if len(ch.Added) > 0 {
		parts = append(parts, l.F("change.added", phones(ch.Added)))
	}
	if len(ch.Removed) > 0 {
		parts = append(parts, l.F("change.removed", phones(ch.Removed)))
	}
	return title + ": " + strings.Join(parts, "; ")
}

// Phone writes a phone number (digits) the international way, +digits.
func Phone(digits string) string { return "+" + digits }

func phones(list []string) string {
	out := make([]string, len(list))
	for i, p := range list {
		out[i] = Phone(p)
	}
	return strings.Join(out, ", ")
}
