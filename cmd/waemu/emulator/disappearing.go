package emulator

import (
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
		err := c.srv.world.readAsDevice(c.device, func(acc *account, _ *device) error {
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
	return nil, c.srv.world.updateAsDevice(c.device, func(acc *account, _ *device) error {
		acc.DisappearingSeconds, acc.DisappearingSet = secs, time.Now().Unix()
		c.srv.pushAccountSync(acc, c, disappearingNode(acc))
		return nil
	})
}

func disappearingNode(acc *account) waBinary.Node {
	return waBinary.Node{Tag: "disappearing_mode", Attrs: waBinary.Attrs{
		"duration": acc.DisappearingSeconds, "t": strconv.FormatInt(acc.DisappearingSet, 10),
	}}
}
