package privacy

import (
	"errors"
	"slices"
	"testing"
)

func TestCategoryTable(t *testing.T) {
	if got := len(Categories()); got != 10 {
		t.Fatalf("%d categories, want 10", got)
	}
	for c, want := range map[Category][]Value{
		LastSeen: {All, Contacts, ContactBlacklist, Nobody},
		Online:   {All, MatchLastSeen},
		GroupAdd: {All, Contacts, ContactBlacklist},
		CallAdd:  {All, Known, Contacts},
		Messages: {All, Contacts},
		Defense:  {OnStandard, Off},
		Stickers: {Contacts, ContactAllowlist, Nobody},
	} {
		if got := c.Values(); !slices.Equal(got, want) {
			t.Errorf("%s allows %v, want %v", c, got, want)
		}
	}
	if got := ExceptListCategories(); !slices.Equal(got, []Category{LastSeen, Profile, About, GroupAdd}) {
		t.Errorf("except-list categories %v", got)
	}
	if Category("bogus").Valid() || GroupAdd.Allows(Nobody) || Online.HasExceptList() {
		t.Error("the table accepts what WhatsApp does not")
	}
}

func TestReadOnlyCategoriesAreRefused(t *testing.T) {
	if !Defense.ReadOnly() || !Stickers.ReadOnly() || LastSeen.ReadOnly() || Messages.ReadOnly() {
		t.Fatal("read-only categories are wrong")
	}
	err := Update{Settings: map[Category]Value{Defense: Off, LastSeen: All}}.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != "defense" ||
		ve.Fields[0].Message != "Strict account settings can only be changed on your phone" {
		t.Fatalf("setting defense: %v", err)
	}
}

func TestNormalizeContact(t *testing.T) {
	for in, want := range map[string]string{
		"+55 11 98888-7777":    "5511988887777",
		"123456789012345@lid":  "123456789012345@lid",
		" 98765432101234@lid ": "98765432101234@lid",
		"98765432101234:3@lid": "98765432101234@lid",
	} {
		if got, err := NormalizeContact(in); err != nil || got != want {
			t.Errorf("NormalizeContact(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"@lid", "12ab@lid", "123@g.us", "", "1@lid@lid"} {
		if got, err := NormalizeContact(in); err == nil {
			t.Errorf("NormalizeContact(%q) = %q, want an error", in, got)
		}
	}
	if !IsLID("1@lid") || IsLID("5511988887777") || LIDUser("77@lid") != "77" {
		t.Error("IsLID/LIDUser")
	}
	s := Snapshot{Contacts: map[string]Contact{"1@lid": {Username: "ana"}, "2@lid": {Name: "Bia"}}}
	for entry, want := range map[string]string{"5511988887777": "+5511988887777", "1@lid": "@ana", "2@lid": "Bia", "3@lid": "3@lid"} {
		if got := s.Label(entry); got != want {
			t.Errorf("Label(%q) = %q, want %q", entry, got, want)
		}
	}
}

func TestZAPIVocabulary(t *testing.T) {
	if v, ok := ParseZAPIValue(Online, "SAME_LAST_SEEN"); !ok || v != MatchLastSeen {
		t.Errorf("SAME_LAST_SEEN → %q %v", v, ok)
	}
	if _, ok := ParseZAPIValue(GroupAdd, "NONE"); ok {
		t.Error("group-add accepted NONE")
	}
	if f, ok := ZAPIFieldByPath("/privacy/group-add"); !ok || f.Field != "type" || f.Category != GroupAdd {
		t.Errorf("group-add field %+v", f)
	}
	if c, ok := ZAPIListCategory("description"); !ok || c != About {
		t.Errorf("description list → %q", c)
	}
	if d, ok := ZAPIDuration("days90"); !ok || d != Timer90Days {
		t.Errorf("days90 → %d", d)
	}
	if v, ok := ZAPIReadReceipts("disable"); !ok || v != Nobody || ZAPIReadReceiptsName(All) != "enable" {
		t.Errorf("read receipts mapping broken")
	}
}

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"5511988887777":                   "5511988887777",
		"+55 (11) 98888-7777":             "5511988887777",
		"5511988887777@s.whatsapp.net":    "5511988887777",
		"5511988887777:12@s.whatsapp.net": "5511988887777",
		" 44 20 7946 0958 ":               "442079460958",
	} {
		if got, err := NormalizePhone(in); err != nil || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "123", "1234567890123456", "55119888a7777", "5511+988887777", "x@g.us", "++5511988887777"} {
		if got, err := NormalizePhone(bad); err == nil {
			t.Errorf("NormalizePhone(%q) = %q, want an error", bad, got)
		}
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	bad := Timer(5)
	err := Update{
		Settings: map[Category]Value{LastSeen: "sometimes", "bogus": All, Online: All},
		Except:   map[Category]ExceptDelta{Online: {Add: []string{"5511900001111"}}, Profile: {Add: []string{"12"}}},
		Timer:    &bad,
	}.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 5 {
		t.Fatalf("want 5 field errors, got %v", err)
	}
	if msg := (&ValidationError{Fields: []FieldError{{Message: InvalidValueMessage("lastSeen", "x", LastSeen.ValueNames())}}}).Error(); msg != "Invalid lastSeen value: x. Valid values: all, contacts, contact_blacklist, none" {
		t.Errorf("RyzeAPI wording: %q", msg)
	}
	if err := (Update{}).Validate(); err == nil || err.Error() != "At least one privacy setting must be provided" {
		t.Errorf("empty update: %v", err)
	}
	if err := (Update{Settings: map[Category]Value{Messages: Contacts}}).Validate(); err != nil {
		t.Errorf("valid update refused: %v", err)
	}
}
