package appstate

import (
	"context"
	"fmt"

	"github.com/waprivacy/waprivacy/wasm/siteaccess"
)

// SetHost records that this page is the widget inside origin's page, once
// that page greeted it and may embed the app: the view then shows what
// the person decided about it, or asks.
func (c *Core) SetHost(origin string) error {
	if err := siteaccess.CheckOrigin(origin); err != nil {
		return err
	}
	c.update(func(v *View) { v.Host = origin })
	return nil
}

// DecideSite records the person's answer about what origin may do with
// the account on screen.
func (c *Core) DecideSite(ctx context.Context, origin string, access siteaccess.Access) error {
	account, err := c.linkedAccount()
	if err != nil {
		return err
	}
	if err := c.sites.Set(ctx, siteaccess.Grant{Origin: origin, Account: account, Access: access, At: c.opts.Now()}); err != nil {
		return err
	}
	c.refreshSites(ctx, account)
	return nil
}

// WithdrawSite forgets the person's answer about origin for the account on
// screen: the site gets nothing until it is asked again.
func (c *Core) WithdrawSite(ctx context.Context, origin string) error {
	account, err := c.linkedAccount()
	if err != nil {
		return err
	}
	if err := c.sites.Withdraw(ctx, origin, account); err != nil {
		return err
	}
	c.refreshSites(ctx, account)
	return nil
}

// linkedAccount is the account on screen, if it is linked: one that is
// still linking has no number to decide for.
func (c *Core) linkedAccount() (string, error) {
	if !c.isStarted() {
		return "", ErrNotStarted
	}
	if v := c.View(); v.Linked() {
		return v.Current.Account, nil
	}
	return "", ErrNoAccount
}

func (c *Core) refreshSites(ctx context.Context, account string) {
	sites, err := c.sites.List(ctx, account)
	c.update(func(v *View) {
		if err != nil {
			v.Problem = fmt.Sprintf("reading which sites may use +%s: %v", account, err)
			return
		}
		if v.Current.Account == account {
			v.Sites = sites
		}
	})
}
