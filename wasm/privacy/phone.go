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
