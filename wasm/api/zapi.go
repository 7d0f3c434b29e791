package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// Z-API's privacy endpoints: https://developer.z-api.io/en/privacy/.

// disallowedContacts answers GET /privacy/disallowed-contacts?type=… with
// {"disallowedContacts": ["<phone>", …]}. Z-API documents phone numbers
// only; a contact whose number WhatsApp hides is listed as its LID,
// "<digits>@lid", which contactsBlacklist and modify-blocked accept back,
// so every entry can be removed by what this answer says.
func disallowedContacts(c call) Response {
	listType := c.query.Get("type")
	category, ok := privacy.ZAPIListCategory(listType)
	if !ok {
		return invalid([]fieldError{{"type", privacy.InvalidValueMessage("type", listType, privacy.ZAPIListTypes())}})
	}
	snap, err := c.engine.Snapshot(c.ctx)
	if err != nil {
		return fromError(err)
	}
	list := snap.Except[category]
	if list == nil {
		list = []string{}
	}
	return Response{Status: http.StatusOK, Body: map[string][]string{"disallowedContacts": list}}
}

// blacklistEntry is one contactsBlacklist item: a change to the list.
type blacklistEntry struct {
	Action string `json:"action"`
	Phone  string `json:"phone"`
}

// visibility answers POST /privacy/last-seen, /photo, /description,
// /group-add and /online: {"visualizationType" (or "type"): …,
// "contactsBlacklist": [{"action": "add"|"remove", "phone": …}]}.
func visibility(c call) Response {
	field, _ := privacy.ZAPIFieldByPath(c.path)
	obj, ferr := decodeObject(c.body)
	if ferr != nil {
		return invalid([]fieldError{*ferr})
	}
	known := []string{field.Field}
	if field.Category.HasExceptList() {
		known = append(known, "contactsBlacklist")
	}
	errs := obj.unknown("", known...)

	u := privacy.Update{}
	name, present, ferr := obj.str(field.Field)
	switch {
	case ferr != nil:
		errs = append(errs, *ferr)
	case !present:
		errs = append(errs, fieldError{field.Field, field.Field + " is required. Valid values: " + strings.Join(privacy.ZAPIValues(field.Category), ", ")})
	default:
		v, ok := privacy.ParseZAPIValue(field.Category, name)
		if !ok {
			errs = append(errs, fieldError{field.Field, privacy.InvalidValueMessage(field.Field, name, privacy.ZAPIValues(field.Category))})
		} else {
			u.Settings = map[privacy.Category]privacy.Value{field.Category: v}
		}
	}
	if raw, ok := obj["contactsBlacklist"]; ok && field.Category.HasExceptList() {
		delta, listErrs := parseBlacklist(raw)
		errs = append(errs, listErrs...)
		if u.Settings != nil && u.Settings[field.Category] != privacy.ContactBlacklist && len(delta.Add)+len(delta.Remove) > 0 {
			errs = append(errs, fieldError{"contactsBlacklist", "contactsBlacklist is only accepted with " + field.Field + " CONTACT_BLACKLIST"})
		}
		if len(delta.Add)+len(delta.Remove) > 0 {
			u.Except = map[privacy.Category]privacy.ExceptDelta{field.Category: delta}
		}
	}
	if len(errs) > 0 {
		return invalid(errs)
	}
	if _, err := c.engine.Apply(c.ctx, u); err != nil {
		return fromError(err)
	}
	return success()
}

// parseBlacklist reads contactsBlacklist's add/remove entries, normalising
// each phone; a LID ("<digits>@lid", as disallowed-contacts lists a
// contact without a number) is accepted too.
func parseBlacklist(raw json.RawMessage) (privacy.ExceptDelta, []fieldError) {
	var entries []json.RawMessage
	if err := json.Unmarshal(raw, &entries); err != nil || isNull(raw) {
		return privacy.ExceptDelta{}, []fieldError{{"contactsBlacklist", `contactsBlacklist must be an array of {"action": "add"|"remove", "phone": "<digits>"}`}}
	}
	var d privacy.ExceptDelta
	var errs []fieldError
	for i, rawEntry := range entries {
		at := fmt.Sprintf("contactsBlacklist[%d]", i)
		obj, ferr := decodeObject(rawEntry)
		if ferr != nil {
			errs = append(errs, fieldError{at, at + ` must be {"action": "add"|"remove", "phone": "<digits>"}`})
			continue
		}
		errs = append(errs, obj.unknown(at+".", "action", "phone")...)
		action, _, aerr := obj.str("action")
		phone, _, perr := obj.str("phone")
		if aerr != nil || perr != nil {
			errs = append(errs, fieldError{at, at + ": action and phone must be strings"})
			continue
		}
		normalized, err := privacy.NormalizeContact(phone)
		if err != nil {
			errs = append(errs, fieldError{at + ".phone", err.Error()})
			continue
		}
		switch action {
		case "add":
			d.Add = append(d.Add, normalized)
		case "remove":
			d.Remove = append(d.Remove, normalized)
		default:
			errs = append(errs, fieldError{at + ".action", privacy.InvalidValueMessage(at+".action", action, []string{"add", "remove"})})
		}
	}
	return d, errs
}

// readReceipts answers POST /privacy/read-receipts?value=enable|disable.
func readReceipts(c call) Response {
	name := c.query.Get("value")
	v, ok := privacy.ZAPIReadReceipts(name)
	if !ok {
		return invalid([]fieldError{{"value", privacy.InvalidValueMessage("value", name, privacy.ZAPIReadReceiptsNames())}})
	}
	if _, err := c.engine.Apply(c.ctx, privacy.Update{Settings: map[privacy.Category]privacy.Value{privacy.ReadReceipts: v}}); err != nil {
		return fromError(err)
	}
	return success()
}

// messagesDuration answers POST
// /privacy/messages-duration?value=days90|days7|hours24|disable.
func messagesDuration(c call) Response {
	name := c.query.Get("value")
	t, ok := privacy.ZAPIDuration(name)
	if !ok {
		return invalid([]fieldError{{"value", privacy.InvalidValueMessage("value", name, privacy.ZAPIDurationNames())}})
	}
	if _, err := c.engine.Apply(c.ctx, privacy.Update{Timer: &t}); err != nil {
		return fromError(err)
	}
	return success()
}

// modifyBlocked answers POST /contacts/modify-blocked {"phone": …,
// "action": "block"|"unblock"} with {"value": true}. Besides a phone
// number, phone may be a LID ("<digits>@lid"), the only handle of a
// blocked contact whose number WhatsApp hides.
func modifyBlocked(c call) Response {
	obj, ferr := decodeObject(c.body)
	if ferr != nil {
		return invalid([]fieldError{*ferr})
	}
	errs := obj.unknown("", "phone", "action")
	phone, hasPhone, perr := obj.str("phone")
	if raw, ok := obj["phone"]; ok && perr != nil {
		// Z-API documents the phone as an integer; accept a JSON number.
		var n json.Number
		if json.Unmarshal(raw, &n) == nil {
			phone, perr = n.String(), nil
		}
	}
	action, hasAction, aerr := obj.str("action")
	switch {
	case perr != nil:
		errs = append(errs, *perr)
	case !hasPhone:
		errs = append(errs, fieldError{"phone", "phone is required"})
	default:
		if _, err := privacy.NormalizeContact(phone); err != nil {
			errs = append(errs, fieldError{"phone", err.Error()})
		}
	}
	switch {
	case aerr != nil:
		errs = append(errs, *aerr)
	case !hasAction:
		errs = append(errs, fieldError{"action", "action is required. Valid values: block, unblock"})
	case action != "block" && action != "unblock":
		errs = append(errs, fieldError{"action", privacy.InvalidValueMessage("action", action, []string{"block", "unblock"})})
	}
	if len(errs) > 0 {
		return invalid(errs)
	}
	if _, err := c.engine.SetBlocked(c.ctx, phone, action == "block"); err != nil {
		return fromError(err)
	}
	return Response{Status: http.StatusOK, Body: map[string]bool{"value": true}}
}
