//go:build browser

package main

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
)

const phone = "5511988887777"

// choose picks value in field's form, saves, and waits until WhatsApp
// confirmed it.
func choose(t testing.TB, ctx context.Context, field, value string) {
	t.Helper()
	form := "#form-" + strings.ReplaceAll(field, ".", "\\.")
	run(t, ctx, "setting "+field+" to "+value,
		pick(`#`+field+`-`+value),
		// Save is enabled once the form has taken the choice.
		chromedp.WaitEnabled(form+` button[type="submit"]`, chromedp.ByQuery),
		press(form+` button[type="submit"]`),
		chromedp.WaitVisible(form+`[data-current="`+value+`"] .result[data-phase="done"]`, chromedp.ByQuery),
	)
}

// TestBrowserPrivacyDashboard is the app end to end against the emulator:
// pair by scanning the QR code on screen, change every setting through its
// form, edit an except-list, block and unblock, see a change made on the
// phone arrive, undo it from the history, apply a preset that fails half
// way and one that works, reload, and unlink.
func TestBrowserPrivacyDashboard(t *testing.T) {
	env := emutest.Start(t)
	s := demoSite(t, env)
	ctx := newBrowser(t, 4*time.Minute, "en-US")
	run(t, ctx, "opening the app", chromedp.Navigate(s.URL), chromedp.WaitVisible("#connect #qr svg", chromedp.ByQuery))
	if v := textOf(t, ctx, "#connect .countdown"); !strings.HasSuffix(v, " s)") {
		t.Errorf("the QR code's countdown reads %q", v)
	}
	shoot(t, ctx, "connect-qr")
	pair(t, ctx, env, phone)
	shoot(t, ctx, "privacy")

	t.Run("every setting through its form", func(t *testing.T) {
		// The Z-API request shown is the one the form would send.
		run(t, ctx, "choosing Nobody for last seen", pick(`#last-none`))
		waitFor(t, ctx, "the request for Nobody", `document.querySelector("#form-last-request-text").textContent.includes('"visualizationType": "NONE"')`)
		if req := textOf(t, ctx, "#form-last-request-text"); !strings.HasPrefix(req, "POST /privacy/last-seen\nContent-Type: application/json\n") {
			t.Errorf("the equivalent request for Nobody reads %q", req)
		}
		want := map[string]string{
			"last": "none", "online": "match_last_seen", "profile": "contacts", "status": "none",
			"readreceipts": "none", "groupadd": "contacts", "calladd": "known", "messages": "contacts",
		}
		for _, field := range []string{"last", "online", "profile", "status", "readreceipts", "groupadd", "calladd", "messages"} {
			choose(t, ctx, field, want[field])
		}
		choose(t, ctx, "timer", "604800")
		shoot(t, ctx, "privacy-saved")
		acc := env.Account(t, phone)
		for c, v := range want {
			if acc.Privacy[c] != v {
				t.Errorf("the emulator has %s=%q, want %q", c, acc.Privacy[c], v)
			}
		}
		if acc.DefaultDisappearingSeconds != 604800 {
			t.Errorf("the emulator's default timer is %d s, want 7 days", acc.DefaultDisappearingSeconds)
		}
	})

	t.Run("except list", func(t *testing.T) {
		list := "#except-profile"
		run(t, ctx, "opening the profile photo's list", press(list+" > summary"))
		run(t, ctx, "adding a malformed number",
			chromedp.SendKeys(list+"-phone", "12ab", chromedp.ByQuery),
			press(list+` button[type="submit"]`),
			chromedp.WaitVisible(list+` .result[data-phase="invalid"]`, chromedp.ByQuery),
		)
		if acc := env.Account(t, phone); len(acc.Disallowed["profile"]) != 0 {
			t.Errorf("a malformed number changed the list: %v", acc.Disallowed["profile"])
		}
		run(t, ctx, "adding +55 11 90000-0001",
			retype(list+"-phone", "+55 11 90000-0001"),
			press(list+` button[type="submit"]`),
			chromedp.WaitVisible(list+` li[data-phone="5511900000001"]`, chromedp.ByQuery),
		)
		shoot(t, ctx, "privacy-except-list")
		acc := env.Account(t, phone)
		if !slices.Equal(acc.Disallowed["profile"], []string{"5511900000001"}) || acc.Privacy["profile"] != "contact_blacklist" {
			t.Errorf("after adding, the emulator has profile=%s list=%v", acc.Privacy["profile"], acc.Disallowed["profile"])
		}
		run(t, ctx, "removing it",
			press(list+` li[data-phone="5511900000001"] button`),
			chromedp.WaitVisible(list+`[data-count="0"]`, chromedp.ByQuery),
		)
		if acc := env.Account(t, phone); len(acc.Disallowed["profile"]) != 0 {
			t.Errorf("after removing, the emulator's list is %v", acc.Disallowed["profile"])
		}
	})

	t.Run("block and unblock", func(t *testing.T) {
		run(t, ctx, "blocking",
			press(`nav a[href="/blocked"]`),
			chromedp.WaitVisible("#blocked-phone", chromedp.ByQuery),
			chromedp.SendKeys("#blocked-phone", "5511900000002", chromedp.ByQuery),
			press(`#blocked button[type="submit"]`),
			chromedp.WaitVisible(`#blocked-list li[data-phone="5511900000002"]`, chromedp.ByQuery),
		)
		waitFor(t, ctx, "the number field emptied", `document.querySelector("#blocked-phone").value === ""`)
		shoot(t, ctx, "blocked")
		if !slices.Contains(env.Account(t, phone).Blocklist, "5511900000002") {
			t.Error("the emulator did not block the contact")
		}
		run(t, ctx, "unblocking",
			press(`#blocked-list li[data-phone="5511900000002"] button`),
			chromedp.WaitNotPresent(`#blocked-list li[data-phone="5511900000002"]`, chromedp.ByQuery),
		)
		if slices.Contains(env.Account(t, phone).Blocklist, "5511900000002") {
			t.Error("the emulator still blocks the contact")
		}
	})

	t.Run("a change on the phone appears live and can be undone", func(t *testing.T) {
		run(t, ctx, "back to the settings", press(`nav a[href="/"]`),
			chromedp.WaitVisible("#form-last", chromedp.ByQuery))
		env.Control(t, http.MethodPost, "/control/accounts/"+phone+"/privacy", map[string]string{"last": "contacts"}, http.StatusOK, nil)
		run(t, ctx, "waiting for the change",
			chromedp.WaitVisible(`#form-last[data-current="contacts"]`, chromedp.ByQuery),
			chromedp.WaitVisible("#notice", chromedp.ByQuery),
		)
		if n := textOf(t, ctx, "#notice"); !strings.Contains(n, "Last seen: Nobody → My contacts") {
			t.Errorf("the notice reads %q", n)
		}
		shoot(t, ctx, "privacy-phone-notice")
		run(t, ctx, "undoing it from the history",
			press(`nav a[href="/history"]`),
			chromedp.WaitVisible(`#history li[data-source="phone"]`, chromedp.ByQuery),
		)
		shoot(t, ctx, "history")
		run(t, ctx, "undo",
			press(`#history li[data-source="phone"] button`),
			chromedp.WaitVisible(`#history .result[data-phase="done"]`, chromedp.ByQuery),
		)
		if got := env.Account(t, phone).Privacy["last"]; got != "none" {
			t.Errorf("after undo the emulator has last seen %q, want none back", got)
		}
	})

	t.Run("a preset that fails half way changes nothing and says so", func(t *testing.T) {
		run(t, ctx, "opening presets",
			press(`nav a[href="/presets"]`),
			chromedp.WaitVisible("#preset-everyone .preview", chromedp.ByQuery),
		)
		shoot(t, ctx, "presets")
		before := env.Account(t, phone)
		// The second privacy stanza WhatsApp gets fails: one setting has
		// changed by then and must be changed back.
		env.Control(t, http.MethodPost, "/control/faults", emulator.Faults{FailIQ: map[string]int{"privacy": 500}, FailIQAfter: 1, FailIQCount: 1}, http.StatusOK, nil)
		run(t, ctx, "applying Everyone",
			press("#preset-everyone button"),
			chromedp.WaitVisible(`#preset-everyone .result[data-phase="failed"]`, chromedp.ByQuery),
		)
		if msg := textOf(t, ctx, "#preset-everyone .result p"); !strings.Contains(msg, "Nothing was changed") {
			t.Errorf("the failed preset says %q (%s); it should say nothing changed", msg, textOf(t, ctx, "#preset-everyone .result .detail"))
		}
		shoot(t, ctx, "presets-failed")
		after := env.Account(t, phone)
		for c, v := range before.Privacy {
			if after.Privacy[c] != v {
				t.Errorf("the failed preset left %s=%q, was %q", c, after.Privacy[c], v)
			}
		}
		env.Control(t, http.MethodDelete, "/control/faults", nil, http.StatusOK, nil)
		run(t, ctx, "applying Fully restrictive",
			press("#preset-fully-restrictive button"),
			chromedp.WaitVisible(`#preset-fully-restrictive .result[data-phase="done"]`, chromedp.ByQuery),
		)
		acc := env.Account(t, phone)
		for c, v := range map[string]string{"last": "none", "status": "contacts", "profile": "contacts", "online": "match_last_seen",
			"readreceipts": "none", "calladd": "known", "groupadd": "contacts"} {
			if acc.Privacy[c] != v {
				t.Errorf("after the preset the emulator has %s=%q, want %q", c, acc.Privacy[c], v)
			}
		}
	})

	t.Run("a reload keeps the session", func(t *testing.T) {
		run(t, ctx, "reloading",
			chromedp.Reload(),
			chromedp.WaitVisible(`#connection[data-state="connected"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#preset-fully-restrictive .preview-empty`, chromedp.ByQuery),
		)
		if devices := env.Account(t, phone).Devices; len(devices) != 1 {
			t.Errorf("after a reload the emulator lists %d linked devices, want the same 1", len(devices))
		}
	})

	t.Run("link another account, switch, unlink both", func(t *testing.T) {
		const other = "5511977776666"
		run(t, ctx, "opening the accounts",
			press(`nav a[href="/accounts"]`),
			chromedp.WaitVisible(`#accounts li[data-account="`+phone+`"]`, chromedp.ByQuery),
		)
		shoot(t, ctx, "accounts")
		run(t, ctx, "linking another",
			press("#link-another"),
			chromedp.WaitVisible(`#connect button[data-account="`+phone+`"]`, chromedp.ByQuery),
		)
		env.Control(t, http.MethodPost, "/control/scan", map[string]string{"qr": readQR(t, ctx), "phone": other}, http.StatusOK, nil)
		run(t, ctx, "waiting for the second account",
			chromedp.WaitVisible(`#connection[data-state="connected"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#accounts li[data-account="`+other+`"]`, chromedp.ByQuery),
		)
		if got := textOf(t, ctx, "#connection .banner-title"); !strings.Contains(got, "+"+other) {
			t.Errorf("after linking %s the page shows %q", other, got)
		}
		run(t, ctx, "switching back",
			chromedp.WaitVisible("#account-switch", chromedp.ByQuery),
			press(`nav a[href="/accounts"]`),
			press(`#accounts li[data-account="`+phone+`"] button[data-do="show"]`),
			chromedp.WaitVisible(`#accounts li[data-account="`+phone+`"] .tag-current`, chromedp.ByQuery),
		)
		shoot(t, ctx, "accounts-two")
		if got := textOf(t, ctx, "#connection .banner-title"); !strings.Contains(got, "+"+phone) {
			t.Errorf("after switching the page shows %q", got)
		}
		run(t, ctx, "unlinking the first",
			press(`#accounts li[data-account="`+phone+`"] button[data-do="unlink"]`),
			press(`#accounts li[data-account="`+phone+`"] button[data-do="confirm-unlink"]`),
			chromedp.WaitNotPresent(`#accounts li[data-account="`+phone+`"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#accounts li[data-account="`+other+`"] .tag-current`, chromedp.ByQuery),
		)
		if devices := env.Account(t, phone).Devices; len(devices) != 0 {
			t.Errorf("after unlinking the emulator lists %d devices for %s", len(devices), phone)
		}
		run(t, ctx, "unlinking the second",
			press(`#accounts li[data-account="`+other+`"] button[data-do="unlink"]`),
			press(`#accounts li[data-account="`+other+`"] button[data-do="confirm-unlink"]`),
			chromedp.WaitVisible("#connect #qr svg", chromedp.ByQuery),
		)
		if devices := env.Account(t, other).Devices; len(devices) != 0 {
			t.Errorf("after unlinking the emulator lists %d devices for %s", len(devices), other)
		}
	})
}

// TestBrowserLinkWithPhoneNumberThenLoggedOutByThePhone pairs with the
// 8-character code instead of the QR code, then has the phone remove the
// device.
func TestBrowserLinkWithPhoneNumberThenLoggedOutByThePhone(t *testing.T) {
	env := emutest.Start(t)
	s := demoSite(t, env)
	ctx := newBrowser(t, 2*time.Minute, "en-US")
	run(t, ctx, "asking for a code",
		chromedp.Navigate(s.URL),
		chromedp.WaitVisible("#use-phone", chromedp.ByQuery),
		press("#use-phone"),
		chromedp.WaitVisible("#pair-phone-number", chromedp.ByQuery),
	)
	shoot(t, ctx, "connect-phone-number")
	run(t, ctx, "entering the number",
		chromedp.SendKeys("#pair-phone-number", "+55 11 98888-7777", chromedp.ByQuery),
		press(`#pair-phone button[type="submit"]`),
		chromedp.WaitVisible("#pairing-code", chromedp.ByQuery),
	)
	code := textOf(t, ctx, "#pairing-code")
	if len(code) != 9 || code[4] != '-' || len(strings.ReplaceAll(code, "-", "")) != 8 {
		t.Fatalf("the pairing code reads %q, want 8 characters as XXXX-XXXX", code)
	}
	shoot(t, ctx, "connect-code")
	env.Control(t, http.MethodPost, "/control/link-code", map[string]string{"phone": phone, "code": code}, http.StatusOK, nil)
	run(t, ctx, "waiting for the dashboard", chromedp.WaitVisible(`#connection[data-state="connected"]`, chromedp.ByQuery))

	devices := env.Account(t, phone).Devices
	if len(devices) != 1 {
		t.Fatalf("the emulator lists %d devices", len(devices))
	}
	env.Control(t, http.MethodPost, "/control/accounts/"+phone+"/unlink", map[string]string{"jid": devices[0]}, http.StatusOK, nil)
	run(t, ctx, "waiting for the logged-out state", chromedp.WaitVisible(`#connection[data-state="logged-out"] #link-again`, chromedp.ByQuery))
	shoot(t, ctx, "logged-out")
	run(t, ctx, "linking again",
		press("#link-again"),
		chromedp.WaitVisible("#connect #qr svg", chromedp.ByQuery),
	)
}

// TestBrowserPortugueseFromTheBrowserAndSwitchable opens the app in a
// browser set to Brazilian Portuguese, then switches to English, which
// sticks across a reload.
func TestBrowserPortugueseFromTheBrowserAndSwitchable(t *testing.T) {
	env := emutest.Start(t)
	s := demoSite(t, env)
	ctx := newBrowser(t, time.Minute, "pt-BR")
	run(t, ctx, "opening the app", chromedp.Navigate(s.URL), chromedp.WaitVisible("#connect #qr svg", chromedp.ByQuery))
	if got := textOf(t, ctx, "#connect-title"); got != "Conecte seu WhatsApp" {
		t.Errorf("in a Brazilian browser the title reads %q", got)
	}
	var lang string
	run(t, ctx, "reading the document language", chromedp.Evaluate(`document.documentElement.lang`, &lang))
	if lang != "pt-BR" {
		t.Errorf("<html lang=%q>, want pt-BR", lang)
	}
	shoot(t, ctx, "connect-qr-pt-BR")
	pair(t, ctx, env, phone)
	shoot(t, ctx, "privacy-pt-BR")
	run(t, ctx, "switching to English",
		chromedp.SetValue("#language", "en", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("#language").dispatchEvent(new Event("change", {bubbles: true}))`, nil),
		chromedp.WaitVisible(`#form-last legend`, chromedp.ByQuery),
	)
	waitFor(t, ctx, "English", `document.querySelector("#form-last legend").textContent === "Last seen"`)
	run(t, ctx, "reloading", chromedp.Reload(), chromedp.WaitVisible(`#form-last`, chromedp.ByQuery))
	waitFor(t, ctx, "English after the reload", `document.querySelector("#form-last legend").textContent === "Last seen" && document.documentElement.lang === "en"`)
}

// noticeFor is how long a phone-change notice stays up on its own
// (wasm/ui's noticeFor).
const noticeFor = 30 * time.Second

// TestBrowserPhoneChangeNoticeFades: the notice of a change made on the
// phone stays up for 30 s, then goes away by itself, with nothing else
// happening on the page; the change it told of stays.
func TestBrowserPhoneChangeNoticeFades(t *testing.T) {
	env, _, ctx := openPaired(t, 2*time.Minute)
	changed := time.Now()
	env.Control(t, http.MethodPost, "/control/accounts/"+phone+"/privacy", map[string]string{"last": "contacts"}, http.StatusOK, nil)
	run(t, ctx, "waiting for the notice", chromedp.WaitVisible("#notice", chromedp.ByQuery))
	shown := time.Now()
	if n := textOf(t, ctx, "#notice"); !strings.Contains(n, "Last seen: Everyone → My contacts") {
		t.Errorf("the notice reads %q", n)
	}

	// The page dates the notice between the change and its showing, so it
	// must still be up a little before changed+30 s…
	time.Sleep(time.Until(changed.Add(noticeFor - 3*time.Second)))
	var up bool
	run(t, ctx, "looking for the notice", chromedp.Evaluate(`document.querySelector("#notice") !== null`, &up))
	if !up {
		t.Fatalf("the notice was gone %v after the change, before its 30 s", time.Since(changed).Round(time.Millisecond))
	}
	// …and gone soon after shown+30 s.
	run(t, ctx, "waiting for the notice to fade", chromedp.WaitNotPresent("#notice", chromedp.ByQuery))
	if late := time.Since(shown) - noticeFor; late > 5*time.Second {
		t.Errorf("the notice faded %v after its 30 s", late.Round(time.Millisecond))
	}
	if got := time.Since(changed); got < noticeFor {
		t.Errorf("the notice faded %v after the change, before its 30 s", got.Round(time.Millisecond))
	}
	run(t, ctx, "checking the setting", chromedp.WaitVisible(`#form-last[data-current="contacts"]`, chromedp.ByQuery))
}

// TestBrowserCopyRequest: Copy puts the equivalent Z-API request, exactly
// as shown, on the clipboard, and says so.
func TestBrowserCopyRequest(t *testing.T) {
	_, s, ctx := openPaired(t, 2*time.Minute)
	// Chromium lets a focused page use the clipboard once the person
	// allows it; a headless page is never focused unless told so.
	run(t, ctx, "allowing the clipboard",
		emulation.SetFocusEmulationEnabled(true),
		browser.GrantPermissions([]browser.PermissionType{
			browser.PermissionTypeClipboardReadWrite, browser.PermissionTypeClipboardSanitizedWrite,
		}).WithOrigin(s.URL),
		// Something else on the clipboard first, so a copy that writes
		// nothing shows.
		chromedp.Evaluate(`navigator.clipboard.writeText("before")`, nil, awaitPromise),
	)
	run(t, ctx, "choosing Nobody for last seen", pick(`#last-none`))
	waitFor(t, ctx, "the request for Nobody", `document.querySelector("#form-last-request-text").textContent.includes('"NONE"')`)
	run(t, ctx, "copying",
		press(`#form-last-request > summary`),
		press(`#form-last-request button`),
		chromedp.WaitVisible(`#form-last-request [role="status"]`, chromedp.ByQuery),
	)
	var clip string
	run(t, ctx, "reading the clipboard", chromedp.Evaluate(`navigator.clipboard.readText()`, &clip, awaitPromise))
	want := "POST /privacy/last-seen\nContent-Type: application/json\n\n{\n  \"visualizationType\": \"NONE\"\n}\n"
	if clip != want {
		t.Errorf("the clipboard holds %q, want %q", clip, want)
	}
	if got := textOf(t, ctx, `#form-last-request [role="status"]`); got != "Copied." {
		t.Errorf("after copying the form says %q", got)
	}
	shoot(t, ctx, "request-copied")

	run(t, ctx, "choosing My contacts instead", pick(`#last-contacts`))
	waitFor(t, ctx, "the request for My contacts", `document.querySelector("#form-last-request-text").textContent.includes('"CONTACTS"')`)
	if n := confirmations(t, ctx); n != 0 {
		t.Error("the form still says Copied. once it shows a request that was not copied")
	}
}

// TestBrowserCopyRequestRefused: where the browser will not write to the
// clipboard, Copy claims nothing and selects the request instead, for the
// person to copy by hand.
func TestBrowserCopyRequestRefused(t *testing.T) {
	_, s, ctx := openPaired(t, 2*time.Minute)
	run(t, ctx, "refusing the clipboard",
		emulation.SetFocusEmulationEnabled(true),
		browser.SetPermission(&browser.PermissionDescriptor{Name: "clipboard-write"}, browser.PermissionSettingDenied).WithOrigin(s.URL),
	)
	run(t, ctx, "copying",
		press(`#form-last-request > summary`),
		press(`#form-last-request button`),
	)
	const selected = `(() => {
		const sel = getSelection(), pre = document.querySelector("#form-last-request-text");
		return sel.anchorNode === pre && sel.focusNode === pre && sel.toString().includes('"visualizationType": "ALL"');
	})()`
	waitFor(t, ctx, "an answer to Copy", selected+` || document.querySelector('#form-last-request [role="status"]') !== null`)
	if n := confirmations(t, ctx); n != 0 {
		t.Error("the form says Copied. though the browser refused to copy")
	}
	waitFor(t, ctx, "the request selected", selected)
}

// confirmations counts the "Copied." notes of the last-seen form.
func confirmations(t testing.TB, ctx context.Context) int {
	t.Helper()
	var n int
	run(t, ctx, "looking for a confirmation", chromedp.Evaluate(`document.querySelectorAll('#form-last-request [role="status"]').length`, &n))
	return n
}

// awaitPromise makes Evaluate wait for the promise an expression returns.
func awaitPromise(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }
