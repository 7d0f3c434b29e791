package engine

import (
	"context"
	"fmt"

	"go.mau.fi/whatsmeow/types"

	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// remember keeps the LIDs that answers named, so a later change of the
// same entries needs no lookup. Call it with e.mu held.
func (e *Engine) remember(lids map[string]types.JID) {
	for entry, lid := range lids {
		e.lids[entry] = lid
	}
}

// notOnWhatsApp is the error for numbers WhatsApp does not know; nothing
// was changed when it is returned.
func notOnWhatsApp(field string, phones []string) *Error {
	fields := make([]privacy.FieldError, len(phones))
	for i, p := range phones {
		fields[i] = privacy.FieldError{Field: field, Message: "+" + p + " is not on WhatsApp"}
	}
	msg := fields[0].Message + "; nothing was changed."
	if len(phones) > 1 {
		msg = fmt.Sprintf("%d numbers are not on WhatsApp (+%s, …); nothing was changed.", len(phones), phones[0])
	}
	return &Error{Status: StatusInvalid, Message: msg, Fields: fields}
}

// lidsOf finds the LID of every entry: a LID entry is its own; a phone's
// comes from the answers already read, then whatsmeow's LID store, then
// one usync query for all the rest together (whatsmeow's IsOnWhatsApp,
// which also fills the store). A number WhatsApp does not know is an
// error that names it. Call it with e.mu held.
func (e *Engine) lidsOf(ctx context.Context, field string, entries []string) (map[string]types.JID, error) {
	out := make(map[string]types.JID, len(entries))
	var unknown []string
	for _, entry := range entries {
		if privacy.IsLID(entry) {
			out[entry] = types.NewJID(privacy.LIDUser(entry), types.HiddenUserServer)
			continue
		}
		if lid, ok := e.lids[entry]; ok {
			out[entry] = lid
			continue
		}
		if lid, err := e.client.Store.LIDs.GetLIDForPN(ctx, phoneJID(entry)); err == nil && !lid.IsEmpty() {
			out[entry] = lid
			e.lids[entry] = lid
			continue
		}
		unknown = append(unknown, entry)
	}
	if len(unknown) == 0 {
		return out, nil
	}
	query := make([]string, len(unknown))
	for i, p := range unknown {
		query[i] = "+" + p
	}
	answers, err := e.client.IsOnWhatsApp(ctx, query)
	if err != nil {
		return nil, classify("Looking up "+plural(len(unknown), "number", "numbers")+" on WhatsApp", err)
	}
	for _, a := range answers {
		phone := a.PhoneNumber.User
		if phone == "" {
			phone = a.Query
		}
		phone, _ = privacy.NormalizePhone(phone)
		if a.IsIn && a.JID.Server == types.HiddenUserServer {
			out[phone] = a.JID.ToNonAD()
			e.lids[phone] = out[phone]
		}
	}
	var missing []string
	for _, p := range unknown {
		if _, ok := out[p]; !ok {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return nil, notOnWhatsApp(field, missing)
	}
	return out, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
