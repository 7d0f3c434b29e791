package privacy

import "strings"

// The vocabularies of Z-API and RyzeAPI, mapped onto the wire names.

// ZAPIField is a Z-API privacy endpoint and how its body names the value.
type ZAPIField struct {
	Path     string   // e.g. "/privacy/last-seen"
	Field    string   // "visualizationType", or "type" for group-add
	Category Category // the setting it changes
	// ListType is the disallowed-contacts ?type= for the category's
	// except-list, or "" if it has none.
	ListType string
}

// zapiFields are Z-API's five visibility endpoints.
var zapiFields = []ZAPIField{
	{"/privacy/last-seen", "visualizationType", LastSeen, "lastSeen"},
	{"/privacy/photo", "visualizationType", Profile, "photo"},
	{"/privacy/description", "visualizationType", About, "description"},
	{"/privacy/group-add", "type", GroupAdd, "groupAdd"},
	{"/privacy/online", "visualizationType", Online, ""},
}

// ZAPIFields lists Z-API's visibility endpoints.
func ZAPIFields() []ZAPIField { return append([]ZAPIField(nil), zapiFields...) }

// ZAPIFieldFor returns the endpoint that sets c, if Z-API has one.
func ZAPIFieldFor(c Category) (ZAPIField, bool) {
	for _, f := range zapiFields {
		if f.Category == c {
			return f, true
		}
	}
	return ZAPIField{}, false
}

// ZAPIFieldByPath returns the endpoint at path.
func ZAPIFieldByPath(path string) (ZAPIField, bool) {
	for _, f := range zapiFields {
		if f.Path == path {
			return f, true
		}
	}
	return ZAPIField{}, false
}

// ZAPIListCategory maps disallowed-contacts' ?type= to its category.
func ZAPIListCategory(listType string) (Category, bool) {
	for _, f := range zapiFields {
		if f.ListType != "" && f.ListType == listType {
			return f.Category, true
		}
	}
	return "", false
}

// ZAPIListTypes lists the accepted disallowed-contacts types.
func ZAPIListTypes() []string {
	var out []string
	for _, f := range zapiFields {
		if f.ListType != "" {
			out = append(out, f.ListType)
		}
	}
	return out
}

// ZAPIValue is v as Z-API spells it: upper case, and SAME_LAST_SEEN for
// online's match_last_seen.
func ZAPIValue(v Value) string {
	if v == MatchLastSeen {
		return "SAME_LAST_SEEN"
	}
	return strings.ToUpper(string(v))
}

// ZAPIValues lists c's values as Z-API spells them.
func ZAPIValues(c Category) []string {
	var out []string
	for _, v := range c.Values() {
		out = append(out, ZAPIValue(v))
	}
	return out
}

// ParseZAPIValue reads a Z-API value for c.
func ParseZAPIValue(c Category, s string) (Value, bool) {
	for _, v := range c.Values() {
		if ZAPIValue(v) == s {
			return v, true
		}
	}
	return "", false
}

// Z-API's read-receipts ?value=.
var zapiReadReceipts = []struct {
	name  string
	value Value
}{{"enable", All}, {"disable", Nobody}}

// ZAPIReadReceipts maps read-receipts' ?value= to its value.
func ZAPIReadReceipts(s string) (Value, bool) {
	for _, r := range zapiReadReceipts {
		if r.name == s {
			return r.value, true
		}
	}
	return "", false
}

// ZAPIReadReceiptsName is v as read-receipts' ?value= spells it.
func ZAPIReadReceiptsName(v Value) string {
	for _, r := range zapiReadReceipts {
		if r.value == v {
			return r.name
		}
	}
	return ""
}

// ZAPIReadReceiptsNames lists the accepted ?value= of read-receipts.
func ZAPIReadReceiptsNames() []string { return []string{"enable", "disable"} }

// Z-API's messages-duration ?value=.
var zapiDurations = []struct {
	name  string
	timer Timer
}{{"disable", TimerOff}, {"hours24", Timer24Hours}, {"days7", Timer7Days}, {"days90", Timer90Days}}

// ZAPIDuration maps messages-duration's ?value= to its timer.
func ZAPIDuration(s string) (Timer, bool) {
	for _, d := range zapiDurations {
		if d.name == s {
			return d.timer, true
		}
	}
	return 0, false
}

// ZAPIDurationName is t as messages-duration's ?value= spells it.
func ZAPIDurationName(t Timer) string {
	for _, d := range zapiDurations {
		if d.timer == t {
			return d.name
		}
	}
	return ""
}

// ZAPIDurationNames lists the accepted ?value= of messages-duration.
func ZAPIDurationNames() []string {
	var out []string
	for _, d := range zapiDurations {
		out = append(out, d.name)
	}
	return out
}

// RyzeField is one field of RyzeAPI's privacy object.
type RyzeField struct {
	Section  string // "visibility", "privacy" or "permissions"
	Name     string // e.g. "lastSeen"
	Category Category
}

var ryzeFields = []RyzeField{
	{"visibility", "lastSeen", LastSeen},
	{"visibility", "status", About},
	{"visibility", "profile", Profile},
	{"visibility", "online", Online},
	{"privacy", "readReceipts", ReadReceipts},
	{"permissions", "callAdd", CallAdd},
	{"permissions", "groupAdd", GroupAdd},
}

// RyzeFields lists RyzeAPI's privacy fields.
func RyzeFields() []RyzeField { return append([]RyzeField(nil), ryzeFields...) }

// InvalidValueMessage is RyzeAPI's wording for a value a field rejects.
func InvalidValueMessage(field, got string, valid []string) string {
	return "Invalid " + field + " value: " + got + ". Valid values: " + quoteList(valid)
}

// ValueNames lists c's values as strings.
func (c Category) ValueNames() []string {
	var out []string
	for _, v := range c.Values() {
		out = append(out, string(v))
	}
	return out
}
