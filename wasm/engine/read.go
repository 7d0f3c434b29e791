package engine

import (
	"context"
	"slices"
	"strconv"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"

	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// reads are the IQs of one snapshot, sent together so the whole snapshot
// costs one round trip.
type reads struct {
	drops    int64 // Engine.drops when they were sent
	settings pending
	lists    map[privacy.Category]pending
	timer    pending
	blocked  pending
}

// lidAddressing is the attribute that asks for, and marks, LID-addressed
// lists. Today's server answers a list read without it with 400 on a
// LID-migrated account (zapo PR #215, confirmed against the server; WA
// Web's WAWebQueryPrivacyDisallowedListLidJob); an account that is not
// migrated answers with phone numbers, and the engine then writes phone
// numbers too.
var lidAddressing = waBinary.Attrs{"addressing_mode": "lid"}

func (e *Engine) sendReads(ctx context.Context) reads { return e.sendReadsWith(ctx, e.send) }

// sendReadsWith is sendReads writing each IQ with send.
func (e *Engine) sendReadsWith(ctx context.Context, send func(ctx context.Context, namespace, typ string, content []waBinary.Node) pending) reads {
	r := reads{drops: e.drops.Load(), lists: map[privacy.Category]pending{}}
	r.settings = send(ctx, "privacy", "get", []waBinary.Node{{Tag: "privacy"}})
	for _, c := range privacy.ExceptListCategories() {
		r.lists[c] = send(ctx, "privacy", "get", []waBinary.Node{{
			Tag:   "privacy",
			Attrs: lidAddressing,
			Content: []waBinary.Node{{Tag: "list", Attrs: waBinary.Attrs{
				"name": string(c), "value": string(privacy.ContactBlacklist),
			}}},
		}})
	}
	r.timer = send(ctx, "disappearing_mode", "get", nil)
	r.blocked = send(ctx, "blocklist", "get", nil)
	return r
}

// readState is a snapshot plus what the next change needs: the list
// hashes WhatsApp wants back, how the account addresses contacts, and the
// LID of each list entry.
type readState struct {
	snap   privacy.Snapshot
	hashes map[privacy.Category]string
	drops  int64 // Engine.drops when it was read
	// listsByLID and blockedByLID say whether the account answered the
	// except-lists and the blocklist LID-addressed.
	listsByLID, blockedByLID bool
}

func (e *Engine) wait(ctx context.Context, r reads) (readState, error) {
	st := readState{
		snap:   privacy.Snapshot{Except: map[privacy.Category][]string{}},
		hashes: map[privacy.Category]string{},
		drops:  r.drops,
	}
	entries := entryParser{numberOf: func(lid types.JID) types.JID {
		pn, _ := e.client.Store.LIDs.GetPNForLID(ctx, lid)
		return pn
	}}
	node, err := r.settings.wait(ctx)
	if err != nil {
		return st, classify("Reading privacy settings", err)
	}
	if st.snap.Settings, err = parseSettings(node); err != nil {
		return st, err
	}
	for _, c := range privacy.ExceptListCategories() {
		node, err := r.lists[c].wait(ctx)
		if err != nil {
			return st, classify("Reading the "+c.Title()+" exceptions", err)
		}
		var byLID bool
		st.snap.Except[c], st.hashes[c], byLID = entries.list(node)
		st.listsByLID = st.listsByLID || byLID
	}
	node, err = r.timer.wait(ctx)
	if err != nil {
		return st, classify("Reading the default message timer", err)
	}
	st.snap.DefaultTimer = parseTimer(node)
	node, err = r.blocked.wait(ctx)
	if err != nil {
		return st, classify("Reading blocked contacts", err)
	}
	st.snap.Blocked, st.blockedByLID = entries.blocklist(node)
	st.snap.Contacts = entries.contacts
	e.remember(entries.lids)
	return st, nil
}

// parseSettings reads <privacy><category name value/>…</privacy>. A value
// this model does not know is kept, so it is shown and never sent back
// empty; a category reported as "error" is left out.
func parseSettings(node *waBinary.Node) (map[privacy.Category]privacy.Value, error) {
	p, ok := node.GetOptionalChildByTag("privacy")
	if !ok {
		return nil, &Error{Status: StatusWhatsAppError, Message: "WhatsApp's answer to the privacy query has no settings."}
	}
	settings := map[privacy.Category]privacy.Value{}
	for _, child := range p.GetChildrenByTag("category") {
		ag := child.AttrGetter()
		c := privacy.Category(ag.OptionalString("name"))
		v := privacy.Value(ag.OptionalString("value"))
		if c.Valid() && v != "" && v != "error" {
			settings[c] = v
		}
	}
	return settings, nil
}

// entryParser turns list entries into the model's entries: the phone
// number where the answer carries one, else "<lid>@lid". It remembers each
// entry's LID and what the answer said about it.
type entryParser struct {
	// numberOf looks up a LID's phone number in whatsmeow's LID store, for
	// answers that leave pn_jid out.
	numberOf func(types.JID) types.JID
	contacts map[string]privacy.Contact
	lids     map[string]types.JID
}

// entry reads one <user> or <item>: jid (a LID when LID-addressed, else a
// phone number), pn_jid, username and display_name (WA Web's
// WAWebQueryPrivacyDisallowedListLidJob and WAWebGetBlocklistJob; jid may
// be missing from a blocklist item that has pn_jid).
func (p *entryParser) entry(n waBinary.Node) (string, bool) {
	jid, _ := n.Attrs["jid"].(types.JID)
	pn, _ := n.Attrs["pn_jid"].(types.JID)
	if jid.Server == types.DefaultUserServer && pn.IsEmpty() {
		jid, pn = types.JID{}, jid
	}
	if lid, ok := n.Attrs["lid"].(types.JID); ok && jid.IsEmpty() {
		jid = lid // a phone-addressed answer may name the LID beside it
	}
	if pn.IsEmpty() && jid.Server == types.HiddenUserServer {
		pn = p.numberOf(jid)
	}
	var key string
	switch {
	case pn.User != "":
		key = pn.User
	case jid.Server == types.HiddenUserServer && jid.User != "":
		key = jid.User + "@lid"
	default:
		return "", false // nothing to show or address it by
	}
	ag := n.AttrGetter()
	c := privacy.Contact{Username: ag.OptionalString("username"), Name: ag.OptionalString("display_name")}
	if jid.Server == types.HiddenUserServer {
		c.LID = jid.User
		if p.lids == nil {
			p.lids = map[string]types.JID{}
		}
		p.lids[key] = jid.ToNonAD()
	}
	if c != (privacy.Contact{}) {
		if p.contacts == nil {
			p.contacts = map[string]privacy.Contact{}
		}
		p.contacts[key] = c
	}
	return key, true
}

func (p *entryParser) entries(nodes []waBinary.Node) []string {
	out := []string{}
	for _, n := range nodes {
		if key, ok := p.entry(n); ok {
			out = append(out, key)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// list reads an except-list answer: its entries, its hash, and whether it
// was LID-addressed. A <privacy/> without <list> is an empty list.
func (p *entryParser) list(node *waBinary.Node) (entries []string, dhash string, byLID bool) {
	priv, _ := node.GetOptionalChildByTag("privacy")
	byLID = priv.AttrGetter().OptionalString("addressing_mode") == "lid"
	list, ok := priv.GetOptionalChildByTag("list")
	if !ok {
		return []string{}, "none", byLID
	}
	dhash = list.AttrGetter().OptionalString("dhash")
	if dhash == "" {
		dhash = "none"
	}
	return p.entries(list.GetChildrenByTag("user")), dhash, byLID
}

// blocklist reads <list [addressing_mode="lid"] dhash><item …/>…</list>.
func (p *entryParser) blocklist(node *waBinary.Node) (entries []string, byLID bool) {
	list, _ := node.GetOptionalChildByTag("list")
	return p.entries(list.GetChildrenByTag("item")), list.AttrGetter().OptionalString("addressing_mode") == "lid"
}

// parseTimer reads <disappearing_mode duration=…/>; a missing or odd value
// reads as off.
func parseTimer(node *waBinary.Node) privacy.Timer {
	dm, _ := node.GetOptionalChildByTag("disappearing_mode")
	n, err := strconv.Atoi(dm.AttrGetter().OptionalString("duration"))
	if err != nil {
		return privacy.TimerOff
	}
	return privacy.Timer(n)
}

func phoneJID(phone string) types.JID { return types.NewJID(phone, types.DefaultUserServer) }
