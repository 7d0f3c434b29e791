package api

import (
	"errors"
	"net/http"
	"slices"

	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// RyzeAPI's privacy read and update: GET and POST /profile/privacy with
// {"visibility": {lastSeen, status, profile, online}, "privacy":
// {readReceipts}, "permissions": {callAdd, groupAdd}}
// (docs.ryzeapi.cloud/en/api/profile/read-privacy, update-privacy).
//
// The shape stays RyzeAPI's; what it has no place for is left out, never
// squeezed in:
//   - Strict account settings (defense), stickers and messages from unknown
//     accounts have no field, so GET does not report them (the in-page
//     API's privacy events carry them beside the RyzeAPI object). A POST
//     naming defense or stickers in any section is refused with the
//     model's "… can only be changed on your phone", as only the phone can
//     change them; other unknown fields are refused as unknown.
//   - Every field holds the wire value WhatsApp reported, as RyzeAPI's own
//     values are the wire values. So callAdd is "contacts" when only
//     contacts may call, although RyzeAPI documents only all and known:
//     mapping it to "known" ("silence unknown callers") would claim a
//     different setting. A value the model does not know, set on a newer
//     phone, is passed on as it is, never emptied. POST accepts callAdd
//     "contacts" too, as this API's extension.

// ryzeDocumented lists, for a field whose values RyzeAPI documents more
// narrowly than WhatsApp offers, the values RyzeAPI itself accepts; an
// equivalent request for another value would be refused there.
var ryzeDocumented = map[privacy.Category][]privacy.Value{
	privacy.CallAdd: {privacy.All, privacy.Known},
}

// ryzeAccepts reports whether RyzeAPI itself documents v for c.
func ryzeAccepts(c privacy.Category, v privacy.Value) bool {
	if values, ok := ryzeDocumented[c]; ok {
		return slices.Contains(values, v)
	}
	return c.Allows(v)
}

// readOnlyError is the model's refusal of a change to c, a category only
// the phone can change.
func readOnlyError(field string, c privacy.Category) fieldError {
	err := privacy.Update{Settings: map[privacy.Category]privacy.Value{c: c.Values()[0]}}.Validate()
	var ve *privacy.ValidationError
	if errors.As(err, &ve) && len(ve.Fields) > 0 {
		return fieldError{field, ve.Fields[0].Message}
	}
	return fieldError{field, c.Title() + " can only be changed on your phone"}
}

// readOnlyNamed returns the read-only category called name, if any.
func readOnlyNamed(name string) (privacy.Category, bool) {
	c := privacy.Category(name)
	return c, c.Valid() && c.ReadOnly()
}

// RyzeSettings renders a snapshot's settings in RyzeAPI's shape, each
// field as WhatsApp reported it (see above).
func RyzeSettings(s privacy.Snapshot) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, f := range privacy.RyzeFields() {
		if out[f.Section] == nil {
			out[f.Section] = map[string]string{}
		}
		out[f.Section][f.Name] = string(s.Settings[f.Category])
	}
	return out
}

type ryzeAnswer struct {
	Success  bool                         `json:"success"`
	Message  string                       `json:"message"`
	Settings map[string]map[string]string `json:"settings"`
}

func ryzeGet(c call) Response {
	snap, err := c.engine.Snapshot(c.ctx)
	if err != nil {
		return fromError(err)
	}
	return Response{Status: http.StatusOK, Body: ryzeAnswer{true, "Privacy settings retrieved successfully", RyzeSettings(snap)}}
}

// ryzeUpdate validates the whole request, reporting every invalid field
// (RyzeAPI stops at the first), then applies it all or nothing and answers
// with the confirmed snapshot.
func ryzeUpdate(c call) Response {
	obj, ferr := decodeObject(c.body)
	if ferr != nil {
		return invalid([]fieldError{*ferr})
	}
	sections := map[string][]privacy.RyzeField{}
	var order []string
	for _, f := range privacy.RyzeFields() {
		if sections[f.Section] == nil {
			order = append(order, f.Section)
		}
		sections[f.Section] = append(sections[f.Section], f)
	}
	errs := withReadOnly("", obj.unknown("", order...))
	u := privacy.Update{Settings: map[privacy.Category]privacy.Value{}}
	for _, section := range order {
		raw, ok := obj[section]
		if !ok {
			continue
		}
		inner, ferr := decodeObject(raw)
		if ferr != nil {
			errs = append(errs, fieldError{section, "Invalid " + section + ": must be an object"})
			continue
		}
		var names []string
		for _, f := range sections[section] {
			names = append(names, f.Name)
		}
		errs = append(errs, withReadOnly(section+".", inner.unknown(section+".", names...))...)
		for _, f := range sections[section] {
			v, present, ferr := inner.str(f.Name)
			valid := f.Category.ValueNames()
			switch {
			case !present:
			case ferr != nil:
				errs = append(errs, fieldError{section + "." + f.Name, privacy.InvalidValueMessage(f.Name, string(inner[f.Name]), valid)})
			case !f.Category.Allows(privacy.Value(v)):
				errs = append(errs, fieldError{section + "." + f.Name, privacy.InvalidValueMessage(f.Name, v, valid)})
			default:
				u.Settings[f.Category] = privacy.Value(v)
			}
		}
	}
	if len(errs) > 0 {
		return invalid(errs)
	}
	if len(u.Settings) == 0 {
		return invalid([]fieldError{{"", "At least one privacy setting must be provided"}})
	}
	res, err := c.engine.Apply(c.ctx, u)
	if err != nil {
		return fromError(err)
	}
	return Response{Status: http.StatusOK, Body: ryzeAnswer{true, "Privacy settings updated successfully", RyzeSettings(res.Snapshot)}}
}

// withReadOnly rewords the unknown-field errors that name a category
// only the phone can change, so a request for one says why it cannot be.
func withReadOnly(prefix string, errs []fieldError) []fieldError {
	for i, e := range errs {
		if c, ok := readOnlyNamed(e.Field[len(prefix):]); ok {
			errs[i] = readOnlyError(e.Field, c)
		}
	}
	return errs
}
