package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// object is a request body decoded one level deep, so each field can be
// checked for its type and unknown fields can be named.
type object map[string]json.RawMessage

// decodeObject reads a body that must be a JSON object.
func decodeObject(body []byte) (object, *fieldError) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, &fieldError{"", "Invalid request body: a JSON object is required"}
	}
	var raw any
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, &fieldError{"", "Invalid request body: " + err.Error()}
	}
	if _, ok := raw.(map[string]any); !ok {
		return nil, &fieldError{"", "Invalid request body: a JSON object is required, not " + jsonKind(raw)}
	}
	var obj object
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, &fieldError{"", "Invalid request body: " + err.Error()}
	}
	return obj, nil
}

// unknown reports the fields of o that are not in known.
func (o object) unknown(prefix string, known ...string) []fieldError {
	var out []fieldError
	for k := range o {
		if !slices.Contains(known, k) {
			out = append(out, fieldError{prefix + k, "Unknown field: " + prefix + k + ". Known fields: " + strings.Join(known, ", ")})
		}
	}
	sortFields(out)
	return out
}

// str reads a string field; ok is false if it is absent.
func (o object) str(name string) (value string, ok bool, ferr *fieldError) {
	raw, present := o[name]
	if !present {
		return "", false, nil
	}
	if err := json.Unmarshal(raw, &value); err != nil || isNull(raw) {
		return "", true, &fieldError{name, fmt.Sprintf("%s must be a string, got %s", name, strings.TrimSpace(string(raw)))}
	}
	return value, true, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "something else"
}

func sortFields(f []fieldError) {
	slices.SortFunc(f, func(a, b fieldError) int { return strings.Compare(a.Field, b.Field) })
}
