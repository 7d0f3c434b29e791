package emulator

import (
	"sync"

	"go.mau.fi/whatsmeow/types"
)

// registry indexes live connections: every connection, the QR refs and
// link-code requests of registering companions, and logged-in companions by
// account. Lock order: world.mu before registry.mu.
type registry struct {
	mu      sync.Mutex
	conns   map[*conn]*entry
	refs    map[string]*conn
	hellos  map[string][]*conn          // phone → companions that asked for a link code, oldest first
	devices map[string]map[uint16]*conn // phone → device → companion
}

// entry is what the registry knows about one connection, so remove can undo it.
type entry struct {
	refs   []string
	hello  *linkHello
	device types.JID
}

func newRegistry() *registry {
	return &registry{
		conns:   map[*conn]*entry{},
		refs:    map[string]*conn{},
		hellos:  map[string][]*conn{},
		devices: map[string]map[uint16]*conn{},
	}
}

func (r *registry) add(c *conn) {
	r.mu.Lock()
	r.conns[c] = &entry{}
	r.mu.Unlock()
}

func (r *registry) remove(c *conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.forgetPairingLocked(c)
	if e := r.conns[c]; e != nil && !e.device.IsEmpty() && r.devices[e.device.User][e.device.Device] == c {
		delete(r.devices[e.device.User], e.device.Device)
	}
	delete(r.conns, c)
}

func (r *registry) all() []*conn {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*conn, 0, len(r.conns))
	for c := range r.conns {
		out = append(out, c)
	}
	return out
}

// addRefs records the QR refs a registering companion shows.
func (r *registry) addRefs(c *conn, refs []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.conns[c]
	if e == nil {
		return // already closed
	}
	for _, ref := range refs {
		r.refs[ref] = c
	}
	e.refs = append(e.refs, refs...)
}

func (r *registry) byRef(ref string) *conn {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.refs[ref]
}

// setHello records a companion's request to pair with phone by code,
// replacing an earlier request from the same connection.
func (r *registry) setHello(c *conn, phone string, h *linkHello) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.conns[c]
	if e == nil {
		return
	}
	r.forgetHelloLocked(c, e)
	e.hello = h
	r.hellos[phone] = append(r.hellos[phone], c)
}

// helloCandidate is a companion waiting for the phone to type its code.
type helloCandidate struct {
	conn  *conn
	hello *linkHello
}

// hellosFor returns the companions waiting to pair with phone, newest first.
func (r *registry) hellosFor(phone string) []helloCandidate {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []helloCandidate
	list := r.hellos[phone]
	for i := len(list) - 1; i >= 0; i-- {
		out = append(out, helloCandidate{list[i], r.conns[list[i]].hello})
	}
	return out
}

// forgetPairing drops a companion's refs and code request once it is paired.
func (r *registry) forgetPairing(c *conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.forgetPairingLocked(c)
}

func (r *registry) forgetPairingLocked(c *conn) {
	e := r.conns[c]
	if e == nil {
		return
	}
	for _, ref := range e.refs {
		delete(r.refs, ref)
	}
	e.refs = nil
	r.forgetHelloLocked(c, e)
}

func (r *registry) forgetHelloLocked(c *conn, e *entry) {
	if e.hello == nil {
		return
	}
	phone := e.hello.phone
	list := r.hellos[phone]
	for i, x := range list {
		if x == c {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(r.hellos, phone)
	} else {
		r.hellos[phone] = list
	}
	e.hello = nil
}

// attach records a logged-in companion and returns the connection it
// replaces, if the same device was still connected.
func (r *registry) attach(jid types.JID, c *conn) (old *conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.conns[c]
	if e == nil {
		return nil
	}
	e.device = jid
	m := r.devices[jid.User]
	if m == nil {
		m = map[uint16]*conn{}
		r.devices[jid.User] = m
	}
	old = m[jid.Device]
	m[jid.Device] = c
	return old
}

// detach forgets the connection of an unlinked device and returns it.
func (r *registry) detach(jid types.JID) *conn {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.devices[jid.User][jid.Device]
	delete(r.devices[jid.User], jid.Device)
	return c
}

// companions returns the logged-in companions of an account.
func (r *registry) companions(phone string) []*conn {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*conn, 0, len(r.devices[phone]))
	for _, c := range r.devices[phone] {
		out = append(out, c)
	}
	return out
}
