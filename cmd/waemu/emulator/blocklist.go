package emulator

import (
	"fmt"

	waBinary "go.mau.fi/whatsmeow/binary"
)

// handleBlocklist serves blocklist get and set. Both answers carry the full
// <list>: whatsmeow's GetBlocklist and UpdateBlocklist fail without it
// (whatsmeow user.go).
//
// A migrated account's list is keyed by LID: get answers <list
// addressing_mode="lid" dhash><item jid=LID pn_jid=PN/>… (WA Web
// WAWebGetBlocklistJob; whatsapp-rust PR #707). A block is <item
// action="block" jid=LID pn_jid=PN/> and an unblock <item action="unblock"
// jid=LID/> (whatsmeow UpdateBlocklist since PR #1137; Baileys
// updateBlockStatus, PR #2265). A block by phone JID answers 400
// (whatsapp-rust PR #600, "reproduced empirically"; Baileys issue #2200), and
// so does an unblock by phone JID (zapo PR #208).
//
// A legacy (phone-number) account keeps <item jid=PN/> for all three, and
// refuses the LID form with 400, like its except lists: no source shows a
// legacy account's answer to a LID item, and refusing keeps clients honest
// about following the mode the list read shows.
func handleBlocklist(c *conn, iq *waBinary.Node) ([]waBinary.Node, error) {
	w := c.srv.world
	if iq.AttrGetter().OptionalString("type") == "get" {
		// WA Web may send <item dhash> to ask for "only if changed"; the full
		// list is always a valid answer.
		var list waBinary.Node
		err := c.readAccount("blocklist", func(acc *account) error {
			list = w.blocklistNodeLocked(acc)
			return nil
		})
		return []waBinary.Node{list}, err
	}
	items := iq.GetChildren()
	if len(items) == 0 {
		return nil, badRequest("blocklist set without items")
	}
	if len(items) > maxListChange {
		return nil, badRequest("more than %d items in one blocklist set", maxListChange)
	}
	var list waBinary.Node
	err := c.writeAccount(func(acc *account) error {
		var block, unblock []contact
		for _, item := range items {
			if item.Tag != "item" {
				return badRequest("<%s> in a blocklist set", item.Tag)
			}
			action := item.AttrGetter().OptionalString("action")
			if action != "block" && action != "unblock" {
				return badRequest("blocklist action %q", action)
			}
			who, err := w.parseContactLocked(item, acc)
			if err != nil {
				return err
			}
			// A block by LID alone names a contact without a number when the
			// LID is unknown. Unsettled: whatsmeow UpdateBlocklist sends the
			// LID alone when it knows no number, WA Web adds
			// unknown_identifier="true" (zapo PR #208), and zapo's comments say
			// the server refuses a block without an identifier. The emulator
			// accepts both forms as its best reading.
			if who.phone == acc.Phone || who.LID == acc.LID {
				return badRequest("an account cannot block itself")
			}
			if action == "block" {
				block = append(block, who)
			} else {
				unblock = append(unblock, who)
			}
		}
		if overlapping(block, unblock) {
			return badRequest("an item is both blocked and unblocked")
		}
		s := c.srv
		s.changeBlocklistLocked(acc, c, block, unblock)
		list = w.blocklistNodeLocked(acc)
		list.Attrs["matched"] = "false"
		return nil
	})
	return []waBinary.Node{list}, err
}

// changeBlocklistLocked applies blocks and unblocks and, if the list
// changed, rotates its dhash and tells the account's other companions.
//
// The push is <notification type="account_sync"><blocklist dhash prev_dhash>
// <item jid action/>…</blocklist></notification>: whatsmeow
// notification.go handleAccountSyncNotification → handleBlocklist parses it
// into events.Blocklist, and Baileys messages-recv.ts handles a <blocklist>
// child of account_sync (commit 11291e61). No client handles a notification
// of type "blocklist". Items carry the entry's jid in the account's
// addressing, with pn_jid beside a LID as in the list itself (that detail is
// unconfirmed; both parsers read only jid and action).
func (s *Server) changeBlocklistLocked(acc *account, except *conn, block, unblock []contact) bool {
	w := s.world
	bl := &acc.Blocklist
	prev := bl.DHash
	var changes []waBinary.Node
	for _, who := range block {
		if w.applyDeltaLocked(bl, []contact{who}, nil) {
			changes = append(changes, w.contactNodeLocked("item", who, acc.migrated(), "block"))
		}
	}
	for _, who := range unblock {
		if w.applyDeltaLocked(bl, nil, []contact{who}) {
			changes = append(changes, w.contactNodeLocked("item", who, acc.migrated(), "unblock"))
		}
	}
	if len(changes) == 0 {
		return false
	}
	bl.DHash = acc.nextHash()
	s.pushAccountSync(acc, except, waBinary.Node{
		Tag: "blocklist", Attrs: waBinary.Attrs{"dhash": bl.DHash, "prev_dhash": prev}, Content: changes,
	})
	return true
}

func (w *world) blocklistNodeLocked(acc *account) waBinary.Node {
	n := waBinary.Node{Tag: "list", Attrs: waBinary.Attrs{"dhash": acc.Blocklist.DHash}}
	if acc.migrated() {
		n.Attrs["addressing_mode"] = addressingLID
	}
	if items := w.entryNodesLocked("item", &acc.Blocklist, acc.migrated()); len(items) > 0 {
		n.Content = items
	}
	return n
}

// EditBlocklist is a block or unblock made on the phone of phone: e.Add
// blocks, e.Remove unblocks. The companions hear of it as they would of a
// change from another companion.
func (s *Server) EditBlocklist(phone string, e ListEdit) error {
	if !validPhone(phone) {
		return errPhone
	}
	w := s.world
	return w.update(phone, func(acc *account) error {
		block, unblock, err := w.resolveEditLocked(acc, e)
		if err != nil {
			return fmt.Errorf("blocklist: %w", err)
		}
		s.changeBlocklistLocked(acc, nil, block, unblock)
		return nil
	})
}
