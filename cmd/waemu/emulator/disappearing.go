package emulator

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	waBinary "go.mau.fi/whatsmeow/binary"
)

// disappearingDurations are the default timers the apps offer: off, 24 hours,
// 7 days and 90 days (whatsmeow send.go).
var disappearingDurations = []int{0, 86400, 604800, 7776000}

// handleDisappearing serves the default disappearing-messages timer
// (protocol.md §5.5). The pinned whatsmeow ignores the push; WA Web re-reads.
func handleDisappearing(c *conn, iq *waBinary.Node) ([]waBinary.Node, error) {
	if iq.AttrGetter().OptionalString("type") == "get" {
		var n waBinary.Node
		err := c.readAccount("disappearing_mode", func(acc *account) error {
			n = disappearingNode(acc)
			return nil
		})
		return []waBinary.Node{n}, err
	}
	dm, err := onlyChild(iq, "disappearing_mode")
	if err != nil {
		return nil, err
	}
	raw := dm.AttrGetter().OptionalString("duration")
	secs, err := strconv.Atoi(raw)
	if err != nil || !slices.Contains(disappearingDurations, secs) {
		return nil, badRequest("disappearing duration %q is not one of 0, 86400, 604800, 7776000", raw)
	}
	return nil, c.writeAccount(func(acc *account) error {
		acc.DisappearingSeconds, acc.DisappearingSet = secs, time.Now().Unix()
		c.srv.pushAccountSync(acc, c, disappearingNode(acc))
		return nil
	})
}

// SetDisappearing is a default-timer change made on the phone of phone. The
// companions get <notification type="account_sync"><disappearing_mode
// duration t/></notification>, which WA Web (WAWebHandleAccountSyncNotification)
// and Baileys (messages-recv.ts, account_sync) apply; whatsmeow only logs
// "Unhandled account sync item".
func (s *Server) SetDisappearing(phone string, secs int) error {
	if !validPhone(phone) {
		return errPhone
	}
	if !slices.Contains(disappearingDurations, secs) {
		return fmt.Errorf("%w: the default timer must be 0, 86400, 604800 or 7776000 seconds, not %d", ErrInvalid, secs)
	}
	return s.world.update(phone, func(acc *account) error {
		acc.DisappearingSeconds, acc.DisappearingSet = secs, time.Now().Unix()
		s.pushAccountSync(acc, nil, disappearingNode(acc))
		return nil
	})
}

func disappearingNode(acc *account) waBinary.Node {
	return waBinary.Node{Tag: "disappearing_mode", Attrs: waBinary.Attrs{
		"duration": acc.DisappearingSeconds, "t": strconv.FormatInt(acc.DisappearingSet, 10),
	}}
}
