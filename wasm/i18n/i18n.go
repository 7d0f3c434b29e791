// Package i18n holds the app's texts in English and Brazilian Portuguese
// (the language of most Z-API users), picks one from the browser's
// languages, and names WhatsApp's privacy settings and values the way
// WhatsApp's own settings screen does in each language.
package i18n

import (
	"fmt"
	"strings"
)

// Lang is a language the app speaks, as a BCP 47 tag.
type Lang string

const (
	English    Lang = "en"
	Portuguese Lang = "pt-BR"
)

// Langs lists the languages, for a language switcher.
func Langs() []Lang { return []Lang{English, Portuguese} }

// Name is the language's name in itself.
func (l Lang) Name() string {
	if l == Portuguese {
		return "Português (Brasil)"
	}
	return "English"
}

// Valid reports whether l is one of Langs.
func (l Lang) Valid() bool { return l == English || l == Portuguese }

// Match picks the language for a browser's preferred languages
// (navigator.languages, best first): the first that is some Portuguese
// or English wins; anything else gets English.
func Match(preferred []string) Lang {
	for _, tag := range preferred {
		switch primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-"); primary {
		case "pt":
			return Portuguese
		case "en":
			return English
		}
	}
	return English
}

// T returns the text for key, or key itself if there is none, so a
// missing text shows up rather than vanishing.
func (l Lang) T(key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if l == Portuguese {
		return m.pt
	}
	return m.en
}

// F formats the text for key with args, as fmt.Sprintf does.
func (l Lang) F(key string, args ...any) string {
	return fmt.Sprintf(l.T(key), args...)
}
