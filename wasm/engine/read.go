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

func (e *Engine) sendReads(ctx context.Context) reads {
	r := reads{drops: e.drops.Load(), lists: map[privacy.Category]pending{}}
	r.settings = e.send(ctx, "privacy", "get", []waBinary.Node{{Tag: "privacy"}})
	for _, c := range privacy.ExceptListCategories() {
		r.lists[c] = e.send(ctx, "privacy", "get", []waBinary.Node{{
			Tag: "privacy",
			Content: []waBinary.Node{{Tag: "list", Attrs: waBinary.Attrs{
				"name": string(c), "value": string(privacy.ContactBlacklist),
			}}},
		}})
	}
	r.timer = e.send(ctx, "disappearing_mode", "get", nil)
	r.blocked = e.send(ctx, "blocklist", "get", nil)
	return r
}

// readState is a snapshot plus the list hashes WhatsApp wants back with
// the next change of each list.
type readState struct {
	snap   privacy.Snapshot
	hashes map[privacy.Category]string
	drops  int64 // Engine.drops when it was read
}

func (r reads) wait(ctx context.Context) (readState, error) {
	st := readState{
		snap:   privacy.Snapshot{Except: map[privacy.Category][]string{}},
		hashes: map[privacy.Category]string{},
		drops:  r.drops,
	}
	node, err := r.settings.wait(ctx)
	if err != nil {
		return st, classify("Reading privacy settings", err)
	}
	if st.snap.Settings, err = parseSettings(node); err != nil {
		return st, err
	}
	for c, p := range r.lists {
		node, err := p.wait(ctx)
		if err != nil {
			return st, classify("Reading the "+c.Title()+" exceptions", err)
		}
		st.snap.Except[c], st.hashes[c] = parseList(node)
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
	st.snap.Blocked = parseBlocklist(node)
	return st, nil
}

// parseSettings reads <privacy><category name value/>…</privacy>, keeping
// the categories we know; whatsmeow's own parser skips "messages".
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
		if c.Allows(v) {
			settings[c] = v
		}
	}
	return settings, nil
}

// parseList reads an except-list answer: its members as phone digits and
// its hash. A <privacy/> without <list> is an empty list.
func parseList(node *waBinary.Node) (phones []string, dhash string) {
	p, _ := node.GetOptionalChildByTag("privacy")
	list, ok := p.GetOptionalChildByTag("list")
	if !ok {
		return []string{}, "none"
	}
	dhash = list.AttrGetter().OptionalString("dhash")
	if dhash == "" {
		dhash = "none"
	}
	return jidUsers(list.GetChildrenByTag("user")), dhash
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

func parseBlocklist(node *waBinary.Node) []string {
	list, _ := node.GetOptionalChildByTag("list")
	return jidUsers(list.GetChildrenByTag("item"))
}

// jidUsers returns the sorted phone numbers of nodes' jid attributes.
func jidUsers(nodes []waBinary.Node) []string {
	phones := []string{}
	for _, n := range nodes {
		if jid, ok := n.Attrs["jid"].(types.JID); ok && jid.User != "" {
			phones = append(phones, jid.User)
		}
	}
	slices.Sort(phones)
	return slices.Compact(phones)
}

func phoneJID(phone string) types.JID { return types.NewJID(phone, types.DefaultUserServer) }
