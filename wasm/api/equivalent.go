package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"

	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// Equivalent returns the request that makes the change u through this API,
// in Z-API's vocabulary when Z-API has an endpoint for it and in RyzeAPI's
// otherwise, so people can see (and copy) what their own code would send.
// It reports false when neither API can express u in one request, e.g.
// "messages from unknown accounts", or a timer together with a setting.
func Equivalent(u privacy.Update) (Request, bool) {
	if u.Empty() || u.Validate() != nil {
		return Request{}, false
	}
	categories := map[privacy.Category]bool{}
	for c := range u.Settings {
		categories[c] = true
	}
	for c := range u.Except {
		categories[c] = true
	}
	switch {
	case u.Timer != nil && len(categories) == 0:
		return Request{Method: http.MethodPost, Path: "/privacy/messages-duration?value=" + privacy.ZAPIDurationName(*u.Timer)}, true
	case u.Timer != nil:
		return Request{}, false
	case len(categories) == 1:
		for c := range categories {
			if req, ok := zapiSetting(c, u); ok {
				return req, true
			}
		}
	}
	return ryzeRequest(u)
}

// zapiSetting is Z-API's request for a change of one category.
func zapiSetting(c privacy.Category, u privacy.Update) (Request, bool) {
	if c == privacy.ReadReceipts {
		return Request{Method: http.MethodPost, Path: "/privacy/read-receipts?value=" + privacy.ZAPIReadReceiptsName(u.Settings[c])}, true
	}
	field, ok := privacy.ZAPIFieldFor(c)
	if !ok {
		return Request{}, false
	}
	value := u.Settings[c]
	delta, listed := u.Except[c]
	if listed {
		value = privacy.ContactBlacklist
	}
	var body bytes.Buffer
	body.WriteString("{")
	writeMember(&body, field.Field, privacy.ZAPIValue(value))
	if listed {
		var entries []blacklistEntry
		for _, p := range delta.Add {
			entries = append(entries, blacklistEntry{Action: "add", Phone: p})
		}
		for _, p := range delta.Remove {
			entries = append(entries, blacklistEntry{Action: "remove", Phone: p})
		}
		body.WriteString(",")
		writeMember(&body, "contactsBlacklist", entries)
	}
	body.WriteString("}")
	return Request{Method: http.MethodPost, Path: field.Path, Body: body.Bytes()}, true
}

// ryzeRequest is RyzeAPI's privacy update for u, if u only sets fields
// RyzeAPI's object has to values RyzeAPI documents: callAdd "contacts"
// has no equivalent there (this API accepts it; RyzeAPI would not).
func ryzeRequest(u privacy.Update) (Request, bool) {
	if len(u.Except) > 0 {
		return Request{}, false
	}
	sections := map[string]map[string]string{}
	var order []string
	for _, f := range privacy.RyzeFields() {
		v, ok := u.Settings[f.Category]
		if !ok {
			continue
		}
		if !ryzeAccepts(f.Category, v) {
			return Request{}, false
		}
		if sections[f.Section] == nil {
			sections[f.Section] = map[string]string{}
			order = append(order, f.Section)
		}
		sections[f.Section][f.Name] = string(v)
	}
	for c := range u.Settings {
		if !slices.ContainsFunc(privacy.RyzeFields(), func(f privacy.RyzeField) bool { return f.Category == c }) {
			return Request{}, false
		}
	}
	// RyzeAPI's own order of sections, which a map would lose.
	var body bytes.Buffer
	body.WriteString("{")
	for i, s := range order {
		if i > 0 {
			body.WriteString(",")
		}
		writeMember(&body, s, sections[s])
	}
	body.WriteString("}")
	return Request{Method: http.MethodPost, Path: ryzePath, Body: body.Bytes()}, true
}

// BlockRequest is Z-API's request that blocks or unblocks phone.
func BlockRequest(phone string, blocked bool) Request {
	action := "unblock"
	if blocked {
		action = "block"
	}
	var body bytes.Buffer
	body.WriteString("{")
	writeMember(&body, "phone", phone)
	body.WriteString(",")
	writeMember(&body, "action", action)
	body.WriteString("}")
	return Request{Method: http.MethodPost, Path: "/contacts/modify-blocked", Body: body.Bytes()}
}

// writeMember writes "name":value; the values here always marshal.
func writeMember(b *bytes.Buffer, name string, value any) {
	k, _ := json.Marshal(name)
	v, _ := json.Marshal(value)
	b.Write(k)
	b.WriteString(":")
	b.Write(v)
}
