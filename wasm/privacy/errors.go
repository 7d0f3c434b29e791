package privacy

import "strings"

// FieldError is one invalid part of a request.
type FieldError struct {
	// Field names the offending field as the request spelled it, e.g.
	// "visibility.lastSeen" or "contactsBlacklist[2].phone".
	Field string `json:"field"`
	// Message says what is wrong and what is accepted.
	Message string `json:"message"`
}

// ValidationError lists every invalid field of a request, so a caller can
// fix them all at once. Nothing was sent when it is returned.
type ValidationError struct {
	Fields []FieldError
}

// Error is the first problem, worded as RyzeAPI words it.
func (e *ValidationError) Error() string {
	if len(e.Fields) == 0 {
		return "invalid request"
	}
	return e.Fields[0].Message
}

// validation collects field errors while a request is parsed.
type validation struct {
	fields []FieldError
}

func (v *validation) add(field, message string) {
	v.fields = append(v.fields, FieldError{Field: field, Message: message})
}

// err returns the collected errors, or nil when there are none.
func (v *validation) err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: v.fields}
}

// quoteList renders names as "a, b, c" for messages.
func quoteList[T ~string](names []T) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = string(n)
	}
	return strings.Join(parts, ", ")
}
