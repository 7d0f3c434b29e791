package emulator

import (
	waBinary "go.mau.fi/whatsmeow/binary"
)

// pushAccountSync tells the account's logged-in companions, except the one
// that made the change, about it. whatsmeow needs the type attribute and
// turns <privacy> into events.PrivacySettings and <blocklist> into
// events.Blocklist (protocol.md §5.7). Called under world.mu, so pushes leave
// in the order the changes were made.
func (s *Server) pushAccountSync(acc *account, except *conn, content waBinary.Node) {
	for _, c := range s.live.companions(acc.Phone) {
		if c == except {
			continue
		}
		c.send(waBinary.Node{
			Tag:     "notification",
			Attrs:   waBinary.Attrs{"from": acc.jid(), "type": "account_sync", "id": s.newID(), "t": unixNow()},
			Content: []waBinary.Node{content},
		})
	}
}
