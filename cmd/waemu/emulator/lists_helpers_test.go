package emulator_test

import (
	"testing"

	"go.mau.fi/whatsmeow"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// The except lists have no whatsmeow API, so apps send raw IQs; these
// helpers build them in either addressing.

// entry is one <user> or <item> of an answer.
type entry struct {
	JID, PN               types.JID
	Username, DisplayName string
}

func parseEntries(list waBinary.Node) []entry {
	var out []entry
	for _, u := range list.GetChildren() {
		ag := u.AttrGetter()
		out = append(out, entry{
			JID: ag.JID("jid"), PN: ag.OptionalJIDOrEmpty("pn_jid"),
			Username: ag.OptionalString("username"), DisplayName: ag.OptionalString("display_name"),
		})
	}
	return out
}

func readListRaw(cli *whatsmeow.Client, name string, lid bool) (*waBinary.Node, error) {
	p := waBinary.Node{Tag: "privacy", Content: []waBinary.Node{
		{Tag: "list", Attrs: waBinary.Attrs{"name": name, "value": "contact_blacklist"}},
	}}
	if lid {
		p.Attrs = waBinary.Attrs{"addressing_mode": "lid"}
	}
	return rawIQ(cli, "privacy", "get", p)
}

// readListAs reads a list and checks the answer's addressing: wantLID says
// whether the answer must carry addressing_mode="lid".
func readListAs(t *testing.T, cli *whatsmeow.Client, name string, askLID, wantLID bool) ([]entry, string) {
	t.Helper()
	resp, err := readListRaw(cli, name, askLID)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	p := resp.GetChildByTag("privacy")
	if got := p.AttrGetter().OptionalString("addressing_mode"); (got == "lid") != wantLID {
		t.Fatalf("read %s: answer addressing_mode %q, want LID %v: %s", name, got, wantLID, resp.String())
	}
	list, ok := p.GetOptionalChildByTag("list")
	if !ok {
		t.Fatalf("no list in %s", resp.String())
	}
	return parseEntries(list), list.AttrGetter().String("dhash")
}

// readList reads a migrated account's list: LID entries with their numbers.
func readList(t *testing.T, cli *whatsmeow.Client, name string) ([]entry, string) {
	t.Helper()
	return readListAs(t, cli, name, true, true)
}

// readListPN reads a legacy account's list: phone numbers.
func readListPN(t *testing.T, cli *whatsmeow.Client, name string) ([]string, string) {
	t.Helper()
	entries, dhash := readListAs(t, cli, name, false, false)
	return entryPhones(t, entries, false), dhash
}

// entryPhones returns the numbers of entries, from pn_jid in LID addressing
// or from jid in phone-number addressing.
func entryPhones(t *testing.T, entries []entry, lid bool) []string {
	t.Helper()
	var out []string
	for _, e := range entries {
		j := e.JID
		if lid {
			if e.JID.Server != types.HiddenUserServer {
				t.Fatalf("entry %+v: jid is not a LID", e)
			}
			j = e.PN
		}
		if j.Server != types.DefaultUserServer {
			t.Fatalf("entry %+v: no phone-number JID", e)
		}
		out = append(out, j.User)
	}
	return out
}

// lidUser is a LID-addressed <user> delta; pn may be empty.
func lidUser(action string, lid, pn types.JID) waBinary.Node {
	attrs := waBinary.Attrs{"action": action, "jid": lid}
	if !pn.IsEmpty() {
		attrs["pn_jid"] = pn
	}
	return waBinary.Node{Tag: "user", Attrs: attrs}
}

func pnUser(action, phone string) waBinary.Node {
	return waBinary.Node{Tag: "user", Attrs: waBinary.Attrs{"action": action, "jid": phoneJID(phone)}}
}

func changeListRaw(cli *whatsmeow.Client, name, dhash string, lid bool, users ...waBinary.Node) (*waBinary.Node, error) {
	p := waBinary.Node{Tag: "privacy", Content: []waBinary.Node{{
		Tag: "category", Attrs: waBinary.Attrs{"name": name, "value": "contact_blacklist", "dhash": dhash}, Content: users,
	}}}
	if lid {
		p.Attrs = waBinary.Attrs{"addressing_mode": "lid"}
	}
	return rawIQ(cli, "privacy", "set", p)
}

// changeList sends deltas that must succeed as an IQ; it returns the
// answer's category, which may still say value="error" (409).
func changeList(t *testing.T, cli *whatsmeow.Client, name, dhash string, lid bool, users ...waBinary.Node) waBinary.Node {
	t.Helper()
	resp, err := changeListRaw(cli, name, dhash, lid, users...)
	if err != nil {
		t.Fatalf("list change: %v", err)
	}
	return resp.GetChildByTag("privacy", "category")
}

// rawBlock sends one blocklist <item>.
func rawBlock(cli *whatsmeow.Client, attrs waBinary.Attrs) (*waBinary.Node, error) {
	return rawIQ(cli, "blocklist", "set", waBinary.Node{Tag: "item", Attrs: attrs})
}
