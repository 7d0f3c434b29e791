package emulator

import (
	"testing"
	"time"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// loggedInLight logs a light client in as a seeded companion of phone.
func loggedInLight(t *testing.T, s *Server, addr, phone string) *lightClient {
	t.Helper()
	jids, noiseKeys := seedDevices(t, s.world, phone, 1)
	lc, err := dialLight(addr, noiseKeys[0], loginPayload(jids[0]), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lc.close)
	if n, err := lc.next(10 * time.Second); err != nil || n.Tag != "success" {
		t.Fatalf("login: %v %v", n, err)
	}
	return lc
}

// nextNotification skips other nodes until a notification arrives.
func (lc *lightClient) nextNotification(t *testing.T) *waBinary.Node {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := lc.next(time.Until(deadline))
		if err != nil {
			t.Fatal(err)
		}
		if n.Tag == "notification" {
			return n
		}
	}
}

func checkAccountSync(t *testing.T, n *waBinary.Node, phone string) waBinary.Node {
	t.Helper()
	ag := n.AttrGetter()
	if ag.String("type") != "account_sync" || ag.JID("from") != types.NewJID(phone, types.DefaultUserServer) || ag.String("id") == "" || ag.Int64("t") == 0 || !ag.OK() {
		t.Fatalf("notification %s", n.String())
	}
	ch := n.GetChildren()
	if len(ch) != 1 {
		t.Fatalf("notification %s", n.String())
	}
	return ch[0]
}

// A default-timer change on the phone reaches the companions as
// <notification type="account_sync"><disappearing_mode duration t/>.
func TestTimerPushWireShape(t *testing.T) {
	s, addr := startServer(t, quietLogger())
	const phone = "5511966660001"
	lc := loggedInLight(t, s, addr, phone)
	before := time.Now().Unix()
	if err := s.SetDisappearing(phone, 604800); err != nil {
		t.Fatal(err)
	}
	dm := checkAccountSync(t, lc.nextNotification(t), phone)
	ag := dm.AttrGetter()
	if dm.Tag != "disappearing_mode" || ag.Int("duration") != 604800 || ag.Int64("t") < before || !ag.OK() {
		t.Fatalf("push child %s", dm.String())
	}
	if err := s.SetDisappearing(phone, 3600); err == nil {
		t.Fatal("1 h accepted as a default timer")
	}
}

// A block on the phone reaches the companions as <notification
// type="account_sync"><blocklist dhash prev_dhash><item jid pn_jid action/>.
func TestBlocklistPushWireShape(t *testing.T) {
	s, addr := startServer(t, quietLogger())
	const phone, a = "5511966660002", "5511966660003"
	lc := loggedInLight(t, s, addr, phone)
	if err := s.EditBlocklist(phone, ListEdit{Add: []string{a}}); err != nil {
		t.Fatal(err)
	}
	bl := checkAccountSync(t, lc.nextNotification(t), phone)
	ag := bl.AttrGetter()
	if bl.Tag != "blocklist" || ag.String("dhash") == "" || ag.String("prev_dhash") != noHash || !ag.OK() || len(bl.GetChildren()) != 1 {
		t.Fatalf("push child %s", bl.String())
	}
	item := bl.GetChildren()[0].AttrGetter()
	if item.JID("jid") != lidJID(derivedLID(a)) || item.JID("pn_jid") != types.NewJID(a, types.DefaultUserServer) || item.String("action") != "block" || !item.OK() {
		t.Fatalf("push item %s", bl.String())
	}
}

func TestDerivedLIDs(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range []string{"5511900000000", "5511900000001", "14155550100", "447700900123", "user:maria"} {
		lid := derivedLID(p)
		if len(lid) != 15 || lid[:2] != lidPrefix || !validLID(lid) || seen[lid] || derivedLID(p) != lid {
			t.Fatalf("derivedLID(%s) = %s", p, lid)
		}
		seen[lid] = true
	}
}
