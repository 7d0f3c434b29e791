package emulator

import (
	"slices"
	"strconv"
	"strings"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// maxUsyncUsers bounds the users of one usync query.
const maxUsyncUsers = 1000

// handleUsync answers the user-sync queries whatsmeow sends (user.go usync):
//
//	<iq xmlns="usync" type="get"><usync sid mode context index last>
//	  <query><contact addressing_mode="lid"/><lid/><devices version="2"/>…</query>
//	  <list><user jid=PN/> or <user><contact>+5511…@c.us</contact></user>…</list>
//	</usync></iq>
//
// and answers <usync sid…><list><user …>one child per known protocol</user>…</list></usync>,
// the path whatsmeow requires. GetUserInfo (mode "full", a <lid/> protocol)
// reads <user jid=PN><lid val=LID/><devices><device-list><device id/>…
// (whatsmeow user.go GetUserInfo, parseDeviceList; Baileys
// UsyncLIDProtocol.ts). IsOnWhatsApp (<contact addressing_mode="lid"/>)
// reads <user jid=LID pn_jid=PN><contact type="in">query</contact>; a number
// that is not on WhatsApp has no LID and answers <user jid=PN><contact
// type="out">. Without addressing_mode the contact answer is keyed by
// number, <user jid=PN> (Baileys onWhatsApp, USyncContactProtocol.ts).
// Emulated contacts have no picture and are not businesses, so <picture>
// and <business> are left out, which whatsmeow and whatsapp-rust read as
// "none" (whatsapp-rust wacore/src/iq/usync.rs).
func handleUsync(c *conn, iq *waBinary.Node) ([]waBinary.Node, error) {
	u, err := onlyChild(iq, "usync")
	if err != nil {
		return nil, err
	}
	query, hasQuery := u.GetOptionalChildByTag("query")
	list, hasList := u.GetOptionalChildByTag("list")
	if !hasQuery || !hasList {
		return nil, badRequest("usync without <query> and <list>")
	}
	protocols := query.GetChildren()
	users := list.GetChildren()
	if len(users) > maxUsyncUsers {
		return nil, badRequest("more than %d users in one usync query", maxUsyncUsers)
	}
	contactLID := false
	for _, p := range protocols {
		if p.Tag == "contact" {
			contactLID = p.AttrGetter().OptionalString("addressing_mode") == addressingLID
		}
	}
	var out []waBinary.Node
	w := c.srv.world
	err = w.readAsDevice(c.device, func(*account, *device) error {
		for _, user := range users {
			if user.Tag != "user" {
				continue
			}
			if n, ok := w.usyncUserLocked(user, protocols, contactLID); ok {
				out = append(out, n)
			}
		}
		return nil
	})
	ag := u.AttrGetter()
	attrs := waBinary.Attrs{"index": "0", "last": "true"}
	for _, k := range []string{"sid", "mode", "context"} {
		if v := ag.OptionalString(k); v != "" {
			attrs[k] = v
		}
	}
	result := waBinary.Node{Tag: "list"}
	if len(out) > 0 {
		result.Content = out
	}
	return []waBinary.Node{{Tag: "usync", Attrs: attrs, Content: []waBinary.Node{result}}}, err
}

// usyncUserLocked answers one <user> of a query; ok is false for a user the
// emulator cannot identify (a username lookup, say), which it leaves out.
func (w *world) usyncUserLocked(user waBinary.Node, protocols []waBinary.Node, contactLID bool) (waBinary.Node, bool) {
	var phone, lid string
	var queried []byte // the <contact> text, echoed back
	byContact := false
	if jid, ok := user.Attrs["jid"].(types.JID); ok {
		switch jid.Server {
		case types.DefaultUserServer:
			phone = jid.User
		case types.HiddenUserServer:
			lid = jid.User
			phone = w.phoneOfLIDLocked(lid)
		default:
			return waBinary.Node{}, false
		}
	} else if ct, ok := user.GetOptionalChildByTag("contact"); ok {
		queried = contentBytes(ct)
		if len(queried) == 0 {
			return waBinary.Node{}, false
		}
		byContact = true
		phone = strings.TrimPrefix(strings.TrimSuffix(string(queried), "@"+types.LegacyUserServer), "+")
	} else {
		return waBinary.Node{}, false
	}
	byLID := lid != ""
	if !byLID && !validPhone(phone) {
		return waBinary.Node{}, false
	}
	registered := byLID || w.registeredLocked(phone)
	if registered && !byLID {
		lid = w.lidOfLocked(phone)
	}

	attrs := waBinary.Attrs{}
	switch {
	case byLID:
		attrs["jid"] = lidJID(lid)
	case byContact && contactLID && registered:
		attrs["jid"], attrs["pn_jid"] = lidJID(lid), types.NewJID(phone, types.DefaultUserServer)
	default:
		attrs["jid"] = types.NewJID(phone, types.DefaultUserServer)
	}
	var children []waBinary.Node
	for _, p := range protocols {
		switch p.Tag {
		case "contact":
			typ := "out"
			if registered {
				typ = "in"
			}
			n := waBinary.Node{Tag: "contact", Attrs: waBinary.Attrs{"type": typ}}
			if queried != nil {
				n.Content = queried
			}
			children = append(children, n)
		case "lid":
			if registered && !byLID {
				children = append(children, waBinary.Node{Tag: "lid", Attrs: waBinary.Attrs{"val": lidJID(lid)}})
			}
		case "devices":
			if registered {
				children = append(children, w.devicesNodeLocked(phone))
			}
		case "status":
			if registered {
				children = append(children, waBinary.Node{Tag: "status", Attrs: waBinary.Attrs{"t": "0"}})
			}
		case "disappearing_mode":
			if registered {
				children = append(children, w.contactDisappearingLocked(phone))
			}
		}
	}
	n := waBinary.Node{Tag: "user", Attrs: attrs}
	if len(children) > 0 {
		n.Content = children
	}
	return n, true
}

// devicesNodeLocked lists a user's devices: the phone (0) and, for an
// account of this emulator, its linked companions.
func (w *world) devicesNodeLocked(phone string) waBinary.Node {
	ids := []uint16{0}
	if acc := w.accounts[phone]; acc != nil {
		for id := range acc.Devices {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	devs := make([]waBinary.Node, len(ids))
	for i, id := range ids {
		devs[i] = waBinary.Node{Tag: "device", Attrs: waBinary.Attrs{"id": strconv.Itoa(int(id))}}
	}
	return waBinary.Node{Tag: "devices", Content: []waBinary.Node{{Tag: "device-list", Content: devs}}}
}

func (w *world) contactDisappearingLocked(phone string) waBinary.Node {
	if acc := w.accounts[phone]; acc != nil {
		return disappearingNode(acc)
	}
	return waBinary.Node{Tag: "disappearing_mode", Attrs: waBinary.Attrs{"duration": "0", "t": "0"}}
}
