package appstate_test

import (
	"errors"
	"testing"

	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
	"github.com/waprivacy/waprivacy/wasm/appstate"
	"github.com/waprivacy/waprivacy/wasm/siteaccess"
)

const shop = "https://shop.example"

// What the person decides about a site is shown, kept across reloads, can
// be withdrawn, and goes with the account when it is unlinked.
func TestSiteAccessIsKeptWithdrawnAndForgottenWithTheAccount(t *testing.T) {
	env := emutest.Start(t)
	n := &network{addr: env.Addr()}
	store := newStore()
	p := open(t, n, store)
	ctx := ctxT(t)

	// Before an account is linked there is nobody to decide for.
	p.until(t, "linking", func(v appstate.View) bool { return v.Current.QRCode != "" })
	if err := p.core.SetHost(shop); err != nil {
		t.Fatal(err)
	}
	if err := p.core.DecideSite(ctx, shop, siteaccess.Change); !errors.Is(err, appstate.ErrNoAccount) {
		t.Errorf("deciding before linking: %v, want ErrNoAccount", err)
	}
	if v := p.core.View(); v.Host != shop || v.HostAccess() != siteaccess.Undecided {
		t.Errorf("host %q access %q", v.Host, v.HostAccess())
	}
	for _, bad := range []string{"null", "https://shop.example/", "javascript:alert(1)"} {
		if err := p.core.SetHost(bad); !errors.Is(err, siteaccess.ErrBadOrigin) {
			t.Errorf("SetHost(%q) = %v", bad, err)
		}
	}
	if v := p.core.View(); v.Host != shop {
		t.Errorf("a refused host replaced %s with %q", shop, v.Host)
	}
	p.core.Close()

	p = link(t, env, n, store)
	if err := p.core.DecideSite(ctx, shop, siteaccess.Read); err != nil {
		t.Fatal(err)
	}
	if err := p.core.DecideSite(ctx, "http://bank.example:8080", siteaccess.Denied); err != nil {
		t.Fatal(err)
	}
	if err := p.core.DecideSite(ctx, shop, "everything"); err == nil {
		t.Error("an unknown access was accepted")
	}
	v := p.core.View()
	if v.SiteAccess(shop) != siteaccess.Read || v.SiteAccess("http://bank.example:8080") != siteaccess.Denied ||
		v.SiteAccess("https://other.example") != siteaccess.Undecided || len(v.Sites) != 2 {
		t.Fatalf("sites %+v", v.Sites)
	}

	// A reload keeps the answers.
	p.core.Close()
	p = open(t, n, store)
	v = p.until(t, "the answers after a reload", func(v appstate.View) bool { return v.Linked() && len(v.Sites) == 2 })
	if v.SiteAccess(shop) != siteaccess.Read {
		t.Errorf("after a reload %s has %q", shop, v.SiteAccess(shop))
	}
	if err := p.core.WithdrawSite(ctx, shop); err != nil {
		t.Fatal(err)
	}
	if v = p.core.View(); v.SiteAccess(shop) != siteaccess.Undecided || len(v.Sites) != 1 {
		t.Errorf("after withdrawing: %+v", v.Sites)
	}

	// Unlinking forgets the rest.
	p.until(t, "connected", func(v appstate.View) bool { return v.Connected() })
	if err := p.core.Unlink(ctx, phone); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := appstate.DB(p.core).QueryRow(`SELECT count(*) FROM waprivacy_site_access`).Scan(&left); err != nil || left != 0 {
		t.Errorf("after unlinking, %d decisions are kept (%v)", left, err)
	}
	if v = p.core.View(); len(v.Sites) != 0 {
		t.Errorf("after unlinking the view lists %+v", v.Sites)
	}
}
