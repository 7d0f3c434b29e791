package jsapi

import (
	"strings"
	"sync"
	"syscall/js"
	"testing"
	"time"

	"github.com/waprivacy/waprivacy/wasm/api"
	"github.com/waprivacy/waprivacy/wasm/siteaccess"
)

// personConsent plays the person answering inside the widget: decide
// changes what every host may do, and tells the embed.
type personConsent struct {
	mu      sync.Mutex
	access  siteaccess.Access
	greeted []string
	subs    []func()
}

func newConsent(a siteaccess.Access) *personConsent { return &personConsent{access: a} }

func (c *personConsent) Greeted(origin string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.greeted = append(c.greeted, origin)
}

func (c *personConsent) Access(string) siteaccess.Access {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.access
}

func (c *personConsent) OnChange(fn func()) (cancel func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.subs = append(c.subs, fn)
	return func() {}
}

func (c *personConsent) decide(a siteaccess.Access) {
	c.mu.Lock()
	c.access = a
	subs := c.subs
	c.mu.Unlock()
	for _, fn := range subs {
		fn()
	}
}

// noMessage fails if the host is posted anything but a resize within a
// moment.
func noMessage(t *testing.T, what string, messages <-chan string) {
	t.Helper()
	deadline := time.After(300 * time.Millisecond)
	for {
		select {
		case s := <-messages:
			if !strings.Contains(s, msgResize) {
				t.Errorf("%s: the host was posted %s", what, s)
			}
		case <-deadline:
			return
		}
	}
}

func TestTheHostGetsNothingBeforeConsentAndOnlyReadsWhenReadOnly(t *testing.T) {
	host, messages := hostFrame(t)
	var asked sync.Mutex
	var changed []string
	f := &fakeBackend{do: func(req api.Request) api.Response {
		asked.Lock()
		defer asked.Unlock()
		changed = append(changed, req.Method+" "+req.Path)
		return echo(req)
	}}
	person := newConsent(siteaccess.Undecided)
	stop := serveEmbed(&embed{window: js.Global(), parent: host, backend: f, consent: person, policy: fakePolicy{pageOrigin()}})
	defer stop()
	waitFor(t, "listening", messages, func(s string) bool { return s == `{"type":"waprivacy:listening"}` })

	fromHost(host, pageOrigin(), map[string]any{"type": msgHello})
	waitFor(t, "ready, without the account", messages, func(s string) bool {
		return strings.Contains(s, msgReady) && strings.Contains(s, `"state":"consent-needed"`) && !strings.Contains(s, "5511")
	})
	if person.greeted[0] != pageOrigin() {
		t.Errorf("the person was asked about %v", person.greeted)
	}
	ask := func(id, method, path string) {
		fromHost(host, pageOrigin(), map[string]any{"type": msgRequest, "id": id, "method": method, "path": path})
	}
	ask("1", "GET", "/profile/privacy")
	waitFor(t, "a read before consent", messages, func(s string) bool {
		return strings.Contains(s, `"id":"1","status":403`) && strings.Contains(s, `"code":"consent-needed"`)
	})
	ask("2", "POST", "/privacy/photo")
	waitFor(t, "a change before consent", messages, func(s string) bool {
		return strings.Contains(s, `"id":"2","status":403`) && strings.Contains(s, `"code":"consent-needed"`)
	})
	f.publish(EventPrivacy, map[string]int{"n": 1})
	f.publish(EventConnection, StatusEvent{Account: "5511988887777", State: "waiting-for-scan", QRCode: "2@secret"})
	noMessage(t, "events before consent", messages)

	person.decide(siteaccess.Read)
	waitFor(t, "told of read access", messages, func(s string) bool {
		return s == `{"data":{"account":"5511988887777","state":"connected","access":"read"},"event":"connection","type":"waprivacy:event"}`
	})
	ask("3", "GET", "/profile/privacy")
	waitFor(t, "a read with read access", messages, func(s string) bool {
		return s == `{"body":{"path":"/profile/privacy"},"id":"3","status":200,"type":"waprivacy:response"}`
	})
	ask("4", "POST", "/privacy/photo")
	waitFor(t, "a change with read access", messages, func(s string) bool {
		return strings.Contains(s, `"id":"4","status":403`) && strings.Contains(s, `"code":"read-only"`)
	})
	f.publish(EventConnection, StatusEvent{Account: "5511988887777", State: "waiting-for-scan", QRCode: "2@secret", PairingCode: "ABCD-EFGH"})
	waitFor(t, "a connection event without its codes", messages, func(s string) bool {
		return s == `{"data":{"account":"5511988887777","state":"waiting-for-scan","access":"read"},"event":"connection","type":"waprivacy:event"}`
	})

	person.decide(siteaccess.Change)
	waitFor(t, "told of change access", messages, func(s string) bool { return strings.Contains(s, `"access":"change"`) })
	ask("5", "POST", "/privacy/photo")
	waitFor(t, "a change with change access", messages, func(s string) bool { return strings.Contains(s, `"id":"5","status":200`) })

	person.decide(siteaccess.Undecided)
	waitFor(t, "told of the withdrawal", messages, func(s string) bool {
		return strings.Contains(s, `"event":"connection"`) && strings.Contains(s, `"state":"consent-needed"`)
	})
	ask("6", "GET", "/profile/privacy")
	waitFor(t, "a read after the withdrawal", messages, func(s string) bool { return strings.Contains(s, `"id":"6","status":403`) })
	// Deciding the same again tells the host nothing new.
	person.decide(siteaccess.Undecided)
	noMessage(t, "the same decision again", messages)
	asked.Lock()
	defer asked.Unlock()
	if len(changed) != 2 || changed[0] != "GET /profile/privacy" || changed[1] != "POST /privacy/photo" {
		t.Errorf("the backend was asked %v, want only the two allowed requests", changed)
	}
}
