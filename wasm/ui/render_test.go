package ui

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/appstate"
	"github.com/waprivacy/waprivacy/wasm/engine"
	"github.com/waprivacy/waprivacy/wasm/i18n"
	"github.com/waprivacy/waprivacy/wasm/privacy"
	"github.com/waprivacy/waprivacy/wasm/session"
	"github.com/waprivacy/waprivacy/wasm/siteaccess"
)

// The components render natively, as the prerendered page does, so these
// tests read their HTML.

func html(ui app.UI) string { return app.HTMLString(ui) }

// element returns the markup of the element with id, up to the next
// element with an id of the same kind of form, which is enough to tell
// what it contains.
func element(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no #%s in\n%s", id, page)
	}
	start := strings.LastIndex(page[:i], "<")
	rest := page[start:]
	if j := regexp.MustCompile(`id="form-[a-z]+"`).FindStringIndex(rest[i-start+1:]); j != nil {
		end := i - start + 1 + j[0]
		rest = rest[:strings.LastIndex(rest[:end], "<")]
	}
	return rest
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

func mustNotContain(t *testing.T, what, got string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(got, w) {
			t.Errorf("%s has %q:\n%s", what, w, got)
		}
	}
}

// saveDisabled reports whether the form's submit button, labelled save,
// is disabled: go-app writes a true boolean attribute bare.
func saveDisabled(t *testing.T, form, save string) bool {
	t.Helper()
	m := regexp.MustCompile(`<button([^>]*)>` + save + `<`).FindStringSubmatch(form)
	if m == nil {
		t.Fatalf("no %s button:\n%s", save, form)
	}
	return bare("disabled").MatchString(m[1] + ">")
}

// bare matches a boolean attribute set true, which go-app writes bare.
func bare(name string) *regexp.Regexp { return regexp.MustCompile(`\s` + name + `[\s>]`) }

func view(settings map[privacy.Category]privacy.Value) appstate.View {
	return appstate.View{HasPrivacy: true, Live: true, Privacy: privacy.Snapshot{Settings: settings}}
}

func TestReadOnlySettingsShowTheirValueWithoutAForm(t *testing.T) {
	page := html(&PrivacySection{Lang: i18n.English, View: view(map[privacy.Category]privacy.Value{
		privacy.LastSeen: privacy.All, privacy.Defense: privacy.OnStandard, privacy.Stickers: "friends_only",
	})})
	defense := element(t, page, "form-defense")
	mustContain(t, "defense", defense, "Strict account settings", "data-readonly", `data-current="on_standard"`,
		`<span class="option-label">On</span>`, "tag-current", "Change it on your phone.", `role="group"`,
		`aria-describedby="form-defense-question form-defense-readonly"`)
	mustNotContain(t, "defense", defense, "<form", "<input", "Save", "request")
	stickers := element(t, page, "form-stickers")
	mustContain(t, "stickers", stickers, "Stickers", "Set on your phone: friends_only", "Change it on your phone.")
	// A value from a newer phone is not marked as a known choice.
	mustNotContain(t, "stickers", stickers, "<form", "<input", "tag-current")
}

func TestOptionalAndReadOnlySettingsShowOnlyWhenReported(t *testing.T) {
	page := html(&PrivacySection{Lang: i18n.English, View: view(map[privacy.Category]privacy.Value{privacy.LastSeen: privacy.All})})
	mustNotContain(t, "the dashboard", page, `id="form-messages"`, `id="form-defense"`, `id="form-stickers"`)
	mustContain(t, "the dashboard", page, `id="form-last"`, `id="form-calladd"`, `id="form-timer"`)
	page = html(&PrivacySection{Lang: i18n.English, View: view(map[privacy.Category]privacy.Value{privacy.Messages: privacy.Contacts})})
	mustContain(t, "the dashboard", page, `id="form-messages"`)
}

func TestCallsOfferThreeValues(t *testing.T) {
	form := html(&SettingForm{Lang: i18n.English, Field: privacy.SettingField(privacy.CallAdd), Current: "contacts"})
	for _, v := range []string{"all", "known", "contacts"} {
		mustContain(t, "calls", form, `value="`+v+`"`)
	}
	mustContain(t, "calls", form, "Everyone can ring", "Silence unknown callers", "My contacts", `data-unknown="false"`)
	mustNotContain(t, "calls", form, "Set on your phone")
	if n := strings.Count(form, "tag-current"); n != 1 {
		t.Errorf("%d options marked current, want 1", n)
	}
}

func TestAValueFromANewerPhoneShowsAboveTheChoices(t *testing.T) {
	f := &SettingForm{Lang: i18n.Portuguese, Field: privacy.SettingField(privacy.LastSeen), Current: "friends_of_friends"}
	form := html(f)
	if !bare("data-unknown").MatchString(form) {
		t.Errorf("not marked unknown:\n%s", form)
	}
	mustContain(t, "last seen", form, `id="form-last-unknown"`, "Definido no seu celular: friends_of_friends",
		`aria-describedby="form-last-question form-last-unknown"`)
	if i, j := strings.Index(form, `id="form-last-unknown"`), strings.Index(form, `class="options"`); i < 0 || j < i {
		t.Errorf("the value from the phone is not above the choices:\n%s", form)
	}
	// Marked current once, as the value from the phone; no option is.
	if n := strings.Count(form, "tag-current"); n != 1 {
		t.Errorf("%d marked current, want 1", n)
	}
	mustNotContain(t, "last seen", form, "request")
	if bare("checked").MatchString(form) {
		t.Errorf("an option is checked:\n%s", form)
	}
	if !saveDisabled(t, form, "Salvar") {
		t.Errorf("Save is enabled before a choice:\n%s", form)
	}
	// Choosing a known value makes Save and its request available.
	f.selected = "contacts"
	form = html(f)
	mustContain(t, "after choosing", form, "form-last-request")
	if !regexp.MustCompile(`<input[^>]*value="contacts"[^>]*\schecked[\s>]|<input[^>]*\schecked\s[^>]*value="contacts"`).MatchString(form) {
		t.Errorf("the choice is not checked:\n%s", form)
	}
	if saveDisabled(t, form, "Salvar") {
		t.Errorf("Save stays disabled after choosing:\n%s", form)
	}
	if u := f.update(f.choice()); u.Validate() != nil || u.Settings[privacy.LastSeen] != privacy.Contacts {
		t.Errorf("Save would send %+v", u)
	}
}

func TestListsNameContactsWithoutANumber(t *testing.T) {
	contacts := map[string]privacy.Contact{"111@lid": {Username: "ana"}, "222@lid": {Name: "Bia"}}
	list := []string{"111@lid", "222@lid", "333@lid", "5511900000001"}
	for what, markup := range map[string]string{
		"blocked": html(&BlockedSection{Lang: i18n.English, Blocked: list, Contacts: contacts, HasPrivacy: true}),
		"except":  html(&ExceptEditor{Lang: i18n.English, Category: privacy.LastSeen, List: list, Contacts: contacts}),
	} {
		mustContain(t, what, markup, ">@ana<", ">Bia<", ">333@lid<", ">+5511900000001<",
			`data-phone="111@lid"`, "(number hidden by WhatsApp · 111@lid)", "(number hidden by WhatsApp)")
		mustNotContain(t, what, markup, "+111@lid", "+333@lid")
	}
	mustContain(t, "blocked", html(&BlockedSection{Lang: i18n.English, Blocked: list, Contacts: contacts, HasPrivacy: true}),
		`aria-label="Unblock @ana"`, `aria-label="Unblock 333@lid"`)
	mustContain(t, "except", html(&ExceptEditor{Lang: i18n.English, Category: privacy.LastSeen, List: list, Contacts: contacts}),
		`aria-label="Remove Bia from the list"`)
	// A change names them too.
	done := html(&FormResult{Lang: i18n.English, Contacts: contacts, State: FormState{Phase: PhaseDone,
		Changes: []privacy.Change{{Field: privacy.FieldBlocked, Removed: []string{"111@lid"}}}}})
	mustContain(t, "the result", done, "Blocked contacts: removed @ana")
}

func TestANumberNotOnWhatsAppIsShownOutright(t *testing.T) {
	err := &engine.Error{Status: engine.StatusInvalid, Message: "+5511900000009 is not on WhatsApp; nothing was changed.",
		Fields: []privacy.FieldError{{Field: "last.except", Message: "+5511900000009 is not on WhatsApp"}}}
	s := FailureState(err)
	if s.Phase != PhaseFailed || s.Status != 400 || len(s.Fields) != 1 || s.NotConfirmed {
		t.Fatalf("FailureState: %+v", s)
	}
	for lang, want := range map[i18n.Lang]string{i18n.English: "+5511900000009 is not on WhatsApp.", i18n.Portuguese: "+5511900000009 não está no WhatsApp."} {
		got := html(&FormResult{Lang: lang, State: s})
		mustContain(t, string(lang), got, `<ul class="problems">`, "<li>"+want+"</li>", `role="alert"`, lang.T("error.nothing-changed"))
		// Outside the collapsed details, and not only there.
		if i := strings.Index(got, want); i < 0 || strings.Contains(got[:i], "<details") {
			t.Errorf("%s: the problem is hidden:\n%s", lang, got)
		}
	}
	// Without field errors, the engine's words are shown outright, a
	// number not on WhatsApp in the person's language.
	got := html(&FormResult{Lang: i18n.English, State: FailureState(&engine.Error{Status: 400, Message: "Invalid phone in the Last seen exceptions: x"})})
	mustContain(t, "no fields", got, "<li>Invalid phone in the Last seen exceptions: x</li>", "Nothing was changed")
	mustNotContain(t, "no fields", got, "<details")
	got = html(&FormResult{Lang: i18n.Portuguese, State: FormState{Phase: PhaseFailed, Status: 400, Detail: "+5511900000009 is not on WhatsApp; nothing was changed."}})
	mustContain(t, "no fields", got, "<li>+5511900000009 não está no WhatsApp.</li>", "Nada foi alterado")
}

func TestAChangeNotConfirmedIsNotCalledRefused(t *testing.T) {
	err := &engine.Error{Status: engine.StatusUnconfirmed, Message: "Last seen was accepted by WhatsApp, but reading it back does not show it yet; check again in a moment.",
		Outcomes: []engine.Outcome{{Field: "last", Result: engine.ResultUnconfirmed}, {Field: "online", Result: engine.ResultApplied}}}
	s := FailureState(err)
	if !s.NotConfirmed || s.RolledBack || s.RestoreFailed {
		t.Fatalf("FailureState: %+v", s)
	}
	got := html(&FormResult{Lang: i18n.English, State: s})
	mustContain(t, "not confirmed", got, `data-phase="not-confirmed"`, "WhatsApp accepted the change", `role="status"`)
	mustNotContain(t, "not confirmed", got, "refused", "result-error")
	// A refusal beside it is a failure.
	err.Outcomes = append(err.Outcomes, engine.Outcome{Field: "status", Result: engine.ResultFailed})
	if s := FailureState(err); s.NotConfirmed || !s.RolledBack {
		t.Errorf("with a refused part: %+v", s)
	}
}

func TestTheOutdatedStateOffersAReload(t *testing.T) {
	status := session.Status{Account: "5511988887777", Phone: "5511988887777", State: session.StateOutdated,
		Detail: "WhatsApp refused this app's version as outdated."}
	for what, markup := range map[string]string{
		"connect screen": html(&ConnectScreen{Lang: i18n.English, Status: status}),
		"banner":         html(&ConnectionBanner{Lang: i18n.English, Status: status}),
	} {
		mustContain(t, what, markup, `data-state="outdated"`, "This app needs an update",
			"The site&#39;s operator must redeploy it", `id="reload"`, ">Reload<")
		mustNotContain(t, what, markup, "Link again", "Retry now")
	}
	mustContain(t, "pt banner", html(&ConnectionBanner{Lang: i18n.Portuguese, Status: status}), "Este app precisa de uma atualização", ">Recarregar<")
}

func TestATestBuildSaysItTrustsTheEmulator(t *testing.T) {
	defer func(was bool) { testBuild = was }(testBuild)
	for _, build := range []bool{false, true} {
		testBuild = build
		for name, page := range map[string]app.UI{"page": &Page{}, "embed": &EmbedPage{}} {
			got := html(page)
			has := strings.Contains(got, `id="test-build"`) && strings.Contains(got, "Test build: trusts the emulated WhatsApp")
			if has != build {
				t.Errorf("test build %v: the %s shows the banner: %v\n%s", build, name, has, got)
			}
		}
	}
	if got := html(&EmulatorBanner{Lang: i18n.Portuguese}); !strings.Contains(got, "Versão de teste: confia no WhatsApp emulado") {
		t.Errorf("in Portuguese: %s", got)
	}
}

func TestAProblemWhileReadyIsShownWithReload(t *testing.T) {
	got := html(&ProblemBanner{Lang: i18n.English, Phase: appstate.PhaseReady,
		Problem: "removing an applied change from the queue: outbox: disk I/O error"})
	mustContain(t, "the banner", got, `id="problem"`, `role="alert"`, "Something could not be read from or saved on this device",
		"removing an applied change from the queue: outbox: disk I/O error", ">Reload<")
	if got := html(&ProblemBanner{Lang: i18n.English, Phase: appstate.PhaseReady}); strings.Contains(got, `id="problem"`) {
		t.Errorf("a banner without a problem: %s", got)
	}
}

func TestTheConsentCardNamesTheSiteAndEachAnswer(t *testing.T) {
	const shop = "https://shop.example"
	ask := html(&SiteConsentCard{Lang: i18n.English, Origin: shop})
	mustContain(t, "the question", ask, `data-access="undecided"`, shop,
		`id="consent-change"`, "Allow to read and change", `id="consent-read"`, "Allow to read only", `id="consent-deny"`, "Don&#39;t allow",
		"never leave this panel")
	for access, words := range map[siteaccess.Access]string{
		siteaccess.Read: "can read your privacy settings, not change them", siteaccess.Change: "can read and change",
		siteaccess.Denied: "may not use your privacy settings",
	} {
		got := html(&SiteConsentCard{Lang: i18n.Portuguese, Origin: shop, Access: access})
		mustNotContain(t, string(access), got, `id="consent-read"`)
		mustContain(t, string(access), got, shop, `id="consent-withdraw"`)
		if en := html(&SiteConsentCard{Lang: i18n.English, Origin: shop, Access: access}); !strings.Contains(en, words) {
			t.Errorf("%s: %s", access, en)
		}
	}
}

func TestTheSitesListShowsEachSiteWithARevokeButton(t *testing.T) {
	none := html(&SitesList{Lang: i18n.English, Phone: "5511988887777"})
	mustContain(t, "no sites", none, `id="sites-none"`, "+5511988887777")
	two := html(&SitesList{Lang: i18n.English, Phone: "5511988887777", Sites: []siteaccess.Grant{
		{Origin: "https://bank.example", Access: siteaccess.Denied}, {Origin: "https://shop.example", Access: siteaccess.Read}}})
	mustNotContain(t, "two sites", two, `id="sites-none"`)
	mustContain(t, "two sites", two, `data-origin="https://bank.example"`, "not allowed", `data-origin="https://shop.example"`, "read only",
		`aria-label="Revoke the access of https://shop.example"`)
}

func TestTheRecoveryNoticeSaysWhatBecameOfTheUpdate(t *testing.T) {
	at := time.Now()
	undone := html(&NoticeBanner{Lang: i18n.English, Notice: &appstate.Notice{ID: -3, At: at,
		Changes: []privacy.Change{{Field: "profile", Before: "none", After: "all"}, {Field: "status", Before: "none", After: "contacts"}},
		Recovery: &engine.Recovery{Result: engine.RecoveredUndone, Parts: []engine.Outcome{
			{Field: "last", Result: engine.ResultPhoneChanged}, {Field: "profile", Result: engine.ResultRestored},
			{Field: "status", Result: engine.ResultRestored}, {Field: "readreceipts", Result: engine.ResultUnchanged}}}}})
	mustContain(t, "undone", undone, `data-kind="recovery"`, "An update was interrupted; 2 changes that had reached WhatsApp were undone",
		"Left as your phone set it meanwhile: Last seen.")
	applied := html(&NoticeBanner{Lang: i18n.Portuguese, Notice: &appstate.Notice{ID: -4, At: at,
		Recovery: &engine.Recovery{Result: engine.RecoveredApplied}}})
	mustContain(t, "applied", applied, "tudo já tinha chegado ao WhatsApp")
	mustNotContain(t, "applied", applied, "Mantido como")
	phone := html(&NoticeBanner{Lang: i18n.English, Notice: &appstate.Notice{ID: 5, At: at,
		Changes: []privacy.Change{{Field: "last", Before: "all", After: "none"}}}})
	mustContain(t, "a phone change", phone, "Changed on your phone", `data-kind="phone"`)
	mustNotContain(t, "a phone change", phone, "interrupted")
}
