package privacy

import (
	"fmt"
	"strings"
)

// NormalizePhone turns a phone number as people and APIs write it ("+55 (11)
// 98888-7777", "5511988887777", "5511988887777@s.whatsapp.net") into the
// digits WhatsApp uses, or explains why it cannot.
func NormalizePhone(s string) (string, error) {
	raw := strings.TrimSpace(s)
	if user, server, ok := strings.Cut(raw, "@"); ok {
		if server != "s.whatsapp.net" && server != "c.us" {
			return "", fmt.Errorf("invalid phone %q: only phone numbers (or @s.whatsapp.net addresses) are accepted", s)
		}
		raw, _, _ = strings.Cut(user, ":") // drop a device suffix
	}
	var digits strings.Builder
	for i, r := range raw {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')', r == '.':
		default:
			return "", fmt.Errorf("invalid phone %q: use digits with the country code, e.g. 5511988887777", s)
		}
	}
	// E.164 allows at most 15 digits; no country code plus number is
	// shorter than 8.
	if n := digits.Len(); n < 8 || n > 15 {
		return "", fmt.Errorf("invalid phone %q: want 8 to 15 digits with the country code, e.g. 5511988887777", s)
	}
	return digits.String(), nil
}

// lidServer is the server part of a LID, WhatsApp's number-free address.
const lidServer = "lid"

// NormalizeContact reads a list entry as NormalizePhone does, and also
// accepts a LID ("123456789012345@lid"), the only handle of a contact whose
// number WhatsApp does not show. A LID comes back as digits + "@lid".
func NormalizeContact(s string) (string, error) {
	raw := strings.TrimSpace(s)
	user, server, ok := strings.Cut(raw, "@")
	if !ok || server != lidServer {
		return NormalizePhone(s)
	}
	user, _, _ = strings.Cut(user, ":")
	if user == "" || len(user) > 20 || strings.Trim(user, "0123456789") != "" {
		return "", fmt.Errorf("invalid LID %q: want digits followed by @lid", s)
	}
	return user + "@" + lidServer, nil
}

// IsLID reports whether a normalized entry is a LID rather than a phone.
func IsLID(entry string) bool { return strings.HasSuffix(entry, "@"+lidServer) }

// LIDUser is the digits of a LID entry.
func LIDUser(entry string) string { return strings.TrimSuffix(entry, "@"+lidServer) }
