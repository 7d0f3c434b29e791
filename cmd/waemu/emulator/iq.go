package emulator

import (
	"errors"
	"fmt"
	"time"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// iqError is an IQ error reply: <iq type="error"><error code text/></iq>.
type iqError struct {
	code int
	text string
}

func (e *iqError) Error() string { return fmt.Sprintf("iq error %d %s", e.code, e.text) }

// The texts whatsmeow's predefined IQ errors match on (whatsmeow
// errors.go): errors.Is needs both code and text.
var iqErrorTexts = map[int]string{
	400: "bad-request",
	401: "not-authorized",
	403: "forbidden",
	404: "item-not-found",
	405: "not-allowed",
	406: "not-acceptable",
	409: "conflict",
	410: "gone",
	419: "resource-limit",
	423: "locked",
	429: "rate-overlimit",
	500: "internal-server-error",
	501: "feature-not-implemented",
	503: "service-unavailable",
	530: "partial-server-error",
}

func newIQError(code int) *iqError {
	text, ok := iqErrorTexts[code]
	if !ok {
		text = "error"
	}
	return &iqError{code, text}
}

var (
	errBadRequest     = newIQError(400)
	errNotAuthorized  = newIQError(401)
	errNotImplemented = newIQError(501)
)

// badRequest is a 400 whose reason is logged; the client only sees bad-request.
func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errBadRequest}, args...)...)
}

// iqHandler answers one namespace. It returns the result's children, or an
// error that becomes the IQ error reply.
type iqHandler func(c *conn, iq *waBinary.Node) ([]waBinary.Node, error)

// iqHandlers maps each namespace the emulator serves to its handler; any
// other namespace gets 501.
var iqHandlers = map[string]iqHandler{
	"w:p":               handleKeepAlive,
	"passive":           loggedIn(handlePassive),
	"encrypt":           loggedIn(handleEncrypt),
	"md":                handleMD,
	"privacy":           loggedIn(handlePrivacy),
	"blocklist":         loggedIn(handleBlocklist),
	"disappearing_mode": loggedIn(handleDisappearing),
	"status":            loggedIn(handleStatus),
	"usync":             loggedIn(handleUsync),
}

// loggedIn refuses a namespace to companions that have not logged in.
func loggedIn(h iqHandler) iqHandler {
	return func(c *conn, iq *waBinary.Node) ([]waBinary.Node, error) {
		if c.device.IsEmpty() {
			return nil, errNotAuthorized
		}
		return h(c, iq)
	}
}

func (c *conn) handleIQ(iq *waBinary.Node) {
	ag := iq.AttrGetter()
	id, typ, ns := ag.OptionalString("id"), ag.OptionalString("type"), ag.OptionalString("xmlns")
	switch typ {
	case "result", "error":
		c.deliver(id, iq)
		return
	case "get", "set":
	default:
		c.replyError(id, badRequest("iq type %q", typ))
		return
	}
	if id == "" {
		c.log.Warn("ignoring iq without id", "xmlns", ns)
		return
	}
	if code, fail := c.srv.faults.failIQ(ns); fail {
		c.log.Info("fault injection: failing iq", "xmlns", ns, "code", code)
		c.replyError(id, newIQError(code))
		return
	}
	h := iqHandlers[ns]
	if h == nil {
		h = (*conn).unhandled
	}
	content, err := h(c, iq)
	if c.srv.faults.cutAfter(ns) {
		// The answers already sent leave first, as they would have on a
		// real network; this one never does.
		c.log.Info("fault injection: cutting the connection before the answer", "xmlns", ns, "id", id)
		c.cut.Store(true)
		c.closeAfter(time.Nanosecond)
		return
	}
	if err != nil {
		c.replyError(id, err)
		return
	}
	reply := waBinary.Node{Tag: "iq", Attrs: waBinary.Attrs{"id": id, "type": "result", "from": types.ServerJID}}
	if len(content) > 0 {
		reply.Content = content
	}
	c.send(reply)
}

// unhandled answers an IQ the emulator does not serve with 501, and names it
// in the log so a missing feature is easy to spot.
func (c *conn) unhandled(iq *waBinary.Node) ([]waBinary.Node, error) {
	ag := iq.AttrGetter()
	c.log.Warn("unhandled iq", "xmlns", ag.OptionalString("xmlns"), "type", ag.OptionalString("type"), "child", firstChildTag(iq), "device", c.device)
	return nil, errNotImplemented
}

func (c *conn) replyError(id string, err error) {
	var ie *iqError
	if !errors.As(err, &ie) {
		c.log.Error("iq failed", "id", id, "err", err)
		ie = newIQError(500)
	} else if ie.code == 400 {
		c.log.Info("bad request", "id", id, "device", c.device, "reason", err)
	}
	if id == "" {
		return // nothing to answer to
	}
	c.send(waBinary.Node{
		Tag:     "iq",
		Attrs:   waBinary.Attrs{"id": id, "type": "error", "from": types.ServerJID},
		Content: []waBinary.Node{errorNode(ie)},
	})
}

func errorNode(e *iqError) waBinary.Node {
	return waBinary.Node{Tag: "error", Attrs: waBinary.Attrs{"code": e.code, "text": e.text}}
}

func firstChildTag(n *waBinary.Node) string {
	if ch := n.GetChildren(); len(ch) > 0 {
		return ch[0].Tag
	}
	return ""
}

// onlyChild returns the IQ's single child with the given tag.
func onlyChild(iq *waBinary.Node, tag string) (waBinary.Node, error) {
	ch := iq.GetChildren()
	if len(ch) != 1 || ch[0].Tag != tag {
		return waBinary.Node{}, badRequest("want one <%s> child", tag)
	}
	return ch[0], nil
}

// contentBytes reads a node's content, which the decoder yields as bytes or,
// for dictionary tokens, as a string; anything else reads as nil.
func contentBytes(n waBinary.Node) []byte {
	switch v := n.Content.(type) {
	case []byte:
		return v
	case string:
		return []byte(v)
	}
	return nil
}

func handleKeepAlive(*conn, *waBinary.Node) ([]waBinary.Node, error) { return nil, nil }

// handlePassive acknowledges <active/> and <passive/>. Being passive
// changes nothing here: the server answers a companion's IQs before its
// <active/> too. WA Web logs in passive and, at <success>, sends and waits
// on abt and w:m IQs before it sends <active/> (WAWebHandleSuccess,
// WAWebPassiveModeManager); whatsapp-rust sends a usync IQ before it
// (client.rs, sync_own_device_list). Passive holds back offline delivery
// (whatsapp-rust and Cobalt's comments; Baileys PR #2558), which the
// emulator does not queue. No client is known to send privacy, blocklist
// or disappearing_mode reads before <active/>; if the real server held
// them, the privacy engine reads again at events.Connected.
func handlePassive(_ *conn, iq *waBinary.Node) ([]waBinary.Node, error) {
	switch firstChildTag(iq) {
	case "active", "passive":
		return nil, nil
	}
	return nil, badRequest("passive iq wants <active/> or <passive/>")
}

// handleMD routes the multi-device namespace by its child.
func handleMD(c *conn, iq *waBinary.Node) ([]waBinary.Node, error) {
	switch firstChildTag(iq) {
	case "link_code_companion_reg":
		return handleLinkCodeReg(c, iq)
	case "remove-companion-device":
		return loggedIn(handleRemoveCompanion)(c, iq)
	}
	return c.unhandled(iq)
}
