package privacy

import (
	"errors"
	"slices"
	"testing"
)

func TestCategoryTable(t *testing.T) {
	if got := len(Categories()); got != 8 {
		t.Fatalf("%d categories, want 8", got)
	}
	for c, want := range map[Category][]Value{
		LastSeen: {All, Contacts, ContactBlacklist, Nobody},
		Online:   {All, MatchLastSeen},
		GroupAdd: {All, Contacts, ContactBlacklist},
		CallAdd:  {All, Known},
		Messages: {All, Contacts},
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
