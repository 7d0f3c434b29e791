package engine

import (
	"context"
	"time"

	"go.mau.fi/whatsmeow"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// pending is an IQ on the wire whose answer has not been read yet.
type pending struct {
	answer  <-chan *waBinary.Node
	err     error
	timeout time.Duration
}

// send writes one IQ to the socket now and returns without waiting, so a
// batch of IQs leaves in one burst, in order. WhatsApp handles a
// connection's stanzas in order, so a read sent after writes sees them.
func (e *Engine) send(ctx context.Context, namespace, typ string, content []waBinary.Node) pending {
	if !e.client.IsLoggedIn() {
		return pending{err: errDisconnected}
	}
	return e.sendIQ(ctx, namespace, typ, content)
}

// sendIQ is send without its check that the client is logged in, for the
// read at login, which runs before whatsmeow marks it so. The socket
// takes IQs either way; without one, whatsmeow answers ErrNotConnected.
func (e *Engine) sendIQ(ctx context.Context, namespace, typ string, content []waBinary.Node) pending {
	q := whatsmeow.DangerousInfoQuery{
		Namespace: namespace,
		Type:      whatsmeow.DangerousInfoQueryType(typ),
		To:        types.ServerJID,
	}
	if len(content) > 0 {
		q.Content = content
	}
	ch, err := e.client.DangerousInternals().SendIQAsync(ctx, q)
	return pending{answer: ch, err: err, timeout: e.timeout}
}

// wait reads the answer of p, mapping an error IQ to *whatsmeow.IQError.
func (p pending) wait(ctx context.Context) (*waBinary.Node, error) {
	if p.err != nil {
		return nil, p.err
	}
	timer := time.NewTimer(p.timeout)
	defer timer.Stop()
	select {
	case node := <-p.answer:
		switch {
		case node == nil || node.Tag == "stream:error" || node.Tag == "xmlstreamend":
			return nil, errDisconnected
		case node.Tag == "iq" && node.AttrGetter().OptionalString("type") == "result":
			return node, nil
		default:
			return nil, iqError(node)
		}
	case <-timer.C:
		return nil, errTimeout
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// iqError reads an error IQ (or an error inside a result) as whatsmeow
// would.
func iqError(node *waBinary.Node) *whatsmeow.IQError {
	e := &whatsmeow.IQError{RawNode: node}
	if child, ok := node.GetOptionalChildByTag("error"); ok {
		e.ErrorNode = &child
		ag := child.AttrGetter()
		e.Code = ag.OptionalInt("code")
		e.Text = ag.OptionalString("text")
	}
	return e
}
