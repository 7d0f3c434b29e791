package api

import (
	"net/http"

	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// RyzeAPI's privacy read and update: GET and POST /profile/privacy with
// {"visibility": {lastSeen, status, profile, online}, "privacy":
// {readReceipts}, "permissions": {callAdd, groupAdd}}.

// RyzeSettings renders a snapshot's settings in RyzeAPI's shape.
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
	errs := obj.unknown("", order...)
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
		errs = append(errs, inner.unknown(section+".", names...)...)
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
