package engine

import (
	"sync"

	waBinary "go.mau.fi/whatsmeow/binary"
	waLog "go.mau.fi/whatsmeow/util/log"
)

// PushLog is a whatsmeow logger that also watches what the client
// receives, for two nodes whatsmeow raises no timely event for:
//   - the phone's change of the default timer, <notification
//     type="account_sync"> with <disappearing_mode>, which WA Web and
//     Baileys' messages-recv.ts handle and whatsmeow only logs as an
//     unhandled item (blocklist changes come in account_sync too, and
//     whatsmeow raises events.Blocklist for them);
//   - the server's <success>, the end of the login, two round trips
//     before whatsmeow's events.Connected.
//
// whatsmeow gives its "Recv" logger every node it reads, as the node
// itself, before handling it; that is the only way to see these without
// changing whatsmeow. Pass it to whatsmeow.NewClient and to
// Options.Pushes.
type PushLog struct {
	waLog.Logger
	mu        sync.Mutex
	listeners []func()
	logins    []func()
}

// NewPushLog wraps base, which still gets every line.
func NewPushLog(base waLog.Logger) *PushLog {
	if base == nil {
		base = waLog.Noop
	}
	return &PushLog{Logger: base}
}

// Sub returns the sub-logger whatsmeow asks for; its "Recv" one watches.
func (l *PushLog) Sub(module string) waLog.Logger {
	sub := l.Logger.Sub(module)
	if module == "Recv" {
		return recvWatch{Logger: sub, pushes: l}
	}
	return sub
}

func (l *PushLog) onPush(fn func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.listeners = append(l.listeners, fn)
}

// onLogin has fn called when the server's <success> arrives: the login
// is done, while whatsmeow's events.Connected waits two more round trips
// (its prekey count and passive IQs).
func (l *PushLog) onLogin(fn func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.logins = append(l.logins, fn)
}

// received is called on whatsmeow's read loop, so listeners must not
// block.
func (l *PushLog) received(node *waBinary.Node) {
	var of *[]func()
	switch {
	case node.Tag == "success":
		of = &l.logins
	case isUnseenPush(node):
		of = &l.listeners
	default:
		return
	}
	l.mu.Lock()
	listeners := append([]func(){}, (*of)...)
	l.mu.Unlock()
	for _, fn := range listeners {
		fn()
	}
}

// isUnseenPush reports whether node is a push that changes what the
// engine shows and that whatsmeow raises no event for.
func isUnseenPush(node *waBinary.Node) bool {
	if node.Tag != "notification" {
		return false
	}
	if node.AttrGetter().OptionalString("type") != "account_sync" {
		return false
	}
	_, ok := node.GetOptionalChildByTag("disappearing_mode")
	return ok
}

type recvWatch struct {
	waLog.Logger
	pushes *PushLog
}

func (w recvWatch) Debugf(msg string, args ...any) {
	w.Logger.Debugf(msg, args...)
	if len(args) == 1 {
		if node, ok := args[0].(*waBinary.Node); ok {
			w.pushes.received(node)
		}
	}
}
