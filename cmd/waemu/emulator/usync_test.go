package emulator_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

func TestGetUserInfoGivesLIDs(t *testing.T) {
	e := newEnv(t)
	const phone, friend, stranger, gone = "5511944440001", "5511944440002", "5511944440003", "5511944440004"
	cli, _ := e.pairQR(t, phone)
	e.pairQR(t, friend) // an account here, with one companion
	e.SetRegistered(t, gone, false)

	info, err := cli.GetUserInfo(ctxT(t), []types.JID{phoneJID(friend), phoneJID(stranger), phoneJID(gone)})
	if err != nil {
		t.Fatal(err)
	}
	friendAcc := e.Account(t, friend)
	if got := info[phoneJID(friend)]; got.LID != e.LID(t, friend) || got.LID.User != friendAcc.LID {
		t.Fatalf("friend %+v, account LID %s", got, friendAcc.LID)
	}
	friendDev, _ := types.ParseJID(friendAcc.Devices[0])
	if got := info[phoneJID(friend)].Devices; !slices.Equal(got, []types.JID{phoneJID(friend), friendDev}) {
		t.Fatalf("friend devices %v", got)
	}
	lid := info[phoneJID(stranger)].LID
	if lid.Server != types.HiddenUserServer || len(lid.User) != 15 || lid != e.LID(t, stranger) {
		t.Fatalf("stranger LID %v", lid)
	}
	if got := info[phoneJID(gone)].LID; !got.IsEmpty() {
		t.Fatalf("unregistered number has LID %v", got)
	}
	// whatsmeow keeps the mapping, as UpdateBlocklist needs.
	if got, err := cli.Store.LIDs.GetLIDForPN(ctxT(t), phoneJID(stranger)); err != nil || got != lid {
		t.Fatalf("stored mapping %v, %v", got, err)
	}
	// The same LID every time and for every account.
	other, _ := e.pairQR(t, "5511944440005")
	if again, err := other.GetUserInfo(ctxT(t), []types.JID{phoneJID(stranger)}); err != nil || again[phoneJID(stranger)].LID != lid {
		t.Fatalf("second lookup %+v, %v", again, err)
	}

	// The control API gives any number's LID; an unregistered one has none.
	if n := e.Number(t, gone); n.Registered || n.LID != "" {
		t.Fatalf("unregistered number %+v", n)
	}
	e.SetRegistered(t, gone, true)
	if n := e.Number(t, gone); !n.Registered || n.LID == "" || !strings.HasPrefix(n.LID, "28") || n.HasAccount {
		t.Fatalf("registered again %+v", n)
	}
	if n := e.Number(t, friend); !n.HasAccount || n.LID != friendAcc.LID {
		t.Fatalf("account number %+v", n)
	}
	e.Control(t, "POST", "/control/numbers/"+friend, map[string]bool{"registered": false}, http.StatusBadRequest, nil)
}

func TestIsOnWhatsAppAnswersWithLIDs(t *testing.T) {
	e := newEnv(t)
	const phone, on, off = "5511944441001", "5511944441002", "5511944441003"
	cli, _ := e.pairQR(t, phone)
	e.SetRegistered(t, off, false)
	resp, err := cli.IsOnWhatsApp(ctxT(t), []string{"+" + on, "+" + off})
	if err != nil || len(resp) != 2 {
		t.Fatalf("IsOnWhatsApp %+v, %v", resp, err)
	}
	if r := resp[0]; !r.IsIn || r.JID != e.LID(t, on) || r.PhoneNumber != phoneJID(on) || r.Query != "+"+on {
		t.Fatalf("registered number %+v", r)
	}
	if r := resp[1]; r.IsIn || r.JID != phoneJID(off) || r.Query != "+"+off {
		t.Fatalf("unregistered number %+v", r)
	}
	if got, err := cli.Store.LIDs.GetLIDForPN(ctxT(t), phoneJID(on)); err != nil || got != e.LID(t, on) {
		t.Fatalf("stored mapping %v, %v", got, err)
	}

	// Without addressing_mode the contact answer is keyed by number, and the
	// query may name the number without "+" or "@c.us".
	q, err := rawIQ(cli, "usync", "get", waBinary.Node{Tag: "usync", Attrs: waBinary.Attrs{"sid": "s1", "mode": "query", "context": "interactive", "index": "0", "last": "true"},
		Content: []waBinary.Node{
			{Tag: "query", Content: []waBinary.Node{{Tag: "contact"}}},
			{Tag: "list", Content: []waBinary.Node{
				{Tag: "user", Content: []waBinary.Node{{Tag: "contact", Content: on + "@c.us"}}},
				{Tag: "user", Content: []waBinary.Node{{Tag: "contact", Content: on}}},
			}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	usync := q.GetChildByTag("usync")
	if usync.AttrGetter().String("sid") != "s1" {
		t.Fatalf("usync answer %s", q.String())
	}
	list := usync.GetChildByTag("list")
	if len(list.GetChildren()) != 2 {
		t.Fatalf("usync answer %s", q.String())
	}
	for _, u := range list.GetChildren() {
		ag := u.AttrGetter()
		ct := u.GetChildByTag("contact")
		if ag.JID("jid") != phoneJID(on) || ct.AttrGetter().String("type") != "in" {
			t.Fatalf("PN-mode user %s", u.String())
		}
		if _, has := u.Attrs["pn_jid"]; has {
			t.Fatalf("PN-mode user has pn_jid: %s", u.String())
		}
	}
}
