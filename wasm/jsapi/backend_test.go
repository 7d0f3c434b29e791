//go:build !js

package jsapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
	"github.com/waprivacy/waprivacy/wasm/api"
	"github.com/waprivacy/waprivacy/wasm/jsapi"
	"github.com/waprivacy/waprivacy/wasm/session"
	"github.com/waprivacy/waprivacy/wasm/storage/storagetest"
)

const phone = "5511988887777"

// linkedBackend links one account through a real manager and returns the
// backend answering for it.
func linkedBackend(t *testing.T) (*emutest.Env, jsapi.Backend) {
	t.Helper()
	env := emutest.Start(t)
	container, err := storagetest.OpenMemory(context.Background(), t.Name())
	if err != nil {
		t.Fatal(err)
	}
	m := session.NewManager(context.Background(), container, session.Options{Configure: env.Redirect})
	t.Cleanup(m.Close)
	connected := make(chan struct{}, 1)
	m.Subscribe(func(s session.Status) {
		if s.State == session.StateConnected {
			select {
			case connected <- struct{}{}:
			default:
			}
		}
	})
	qr := make(chan string, 1)
	m.Subscribe(func(s session.Status) {
		if s.QRCode != "" {
			select {
			case qr <- s.QRCode:
			default:
			}
		}
	})
	m.Link()
	env.Control(t, http.MethodPost, "/control/scan", map[string]string{"qr": <-qr, "phone": phone}, http.StatusOK, nil)
	select {
	case <-connected:
	case <-time.After(emutest.Timeout):
		t.Fatal("never connected")
	}
	return env, jsapi.NewBackend(m, func() string { return phone })
}

func encode(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestBackendAnswersAndReportsTheAccountOnScreen(t *testing.T) {
	env, b := linkedBackend(t)
	if got := encode(t, b.Status()); got != `{"account":"5511988887777","state":"connected","phone":"5511988887777"}` {
		t.Errorf("status %s", got)
	}
	events := make(chan string, 100)
	cancel := b.Subscribe(func(event string, data any) { events <- event + " " + encode(t, data) })
	defer cancel()

	resp := b.Do(context.Background(), api.Request{Method: "POST", Path: "/privacy/photo", Body: []byte(`{"visualizationType":"NONE"}`)})
	if resp.Status != 200 || env.Account(t, phone).Privacy["profile"] != "none" {
		t.Fatalf("Do: %d %v; emulator profile %s", resp.Status, resp.Body, env.Account(t, phone).Privacy["profile"])
	}
	env.Control(t, http.MethodPost, "/control/accounts/"+phone+"/privacy", map[string]string{"calladd": "known"}, http.StatusOK, nil)
	timeout := time.After(emutest.Timeout)
	for {
		select {
		case e := <-events:
			var p jsapi.PrivacyEvent
			if json.Unmarshal([]byte(e[len("privacy "):]), &p) == nil && e[:8] == "privacy " &&
				p.Source == "phone" && p.Settings["permissions"]["callAdd"] == "known" && p.Settings["visibility"]["profile"] == "none" {
				return
			}
		case <-timeout:
			t.Fatal("no privacy event for the phone's change")
		}
	}
}

func TestBackendHundredConcurrentRequests(t *testing.T) {
	_, b := linkedBackend(t)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each request carries its own mistake or its own list, so a
			// mixed-up answer is caught.
			var req api.Request
			var want string
			switch i % 3 {
			case 0:
				req = api.Request{Method: "POST", Path: "/privacy/online", Body: []byte(`{"visualizationType":"V` + strconv.Itoa(i) + `"}`)}
				want = fmt.Sprintf("Invalid visualizationType value: V%d. Valid values: ALL, SAME_LAST_SEEN", i)
			case 1:
				req = api.Request{Method: "GET", Path: "/profile/privacy"}
				want = "Privacy settings retrieved successfully"
			case 2:
				req = api.Request{Method: "POST", Path: fmt.Sprintf("/privacy/read-receipts?value=r%d", i)}
				want = fmt.Sprintf("Invalid value value: r%d. Valid values: enable, disable", i)
			}
			resp := b.Do(context.Background(), req)
			if got := encode(t, resp.Body); !strings.Contains(got, want) {
				errs <- fmt.Errorf("request %d: %d %s, want %q", i, resp.Status, got, want)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestBackendWithoutAccount(t *testing.T) {
	container, err := storagetest.OpenMemory(context.Background(), t.Name())
	if err != nil {
		t.Fatal(err)
	}
	m := session.NewManager(context.Background(), container, session.Options{})
	defer m.Close()
	b := jsapi.NewBackend(m, func() string { return "" })
	if got := encode(t, b.Status()); got != `{"state":"no-account"}` {
		t.Errorf("status %s", got)
	}
	if resp := b.Do(context.Background(), api.Request{Method: "GET", Path: "/profile/privacy"}); resp.Status != 503 {
		t.Errorf("GET without an account: %d, want 503", resp.Status)
	}
}

// TestPrivacyEventCarriesWhatRyzeAPILacks: strict account settings,
// stickers and the names of entries without a number ride beside the
// RyzeAPI object.
func TestPrivacyEventCarriesWhatRyzeAPILacks(t *testing.T) {
	env, b := linkedBackend(t)
	events := make(chan string, 100)
	cancel := b.Subscribe(func(event string, data any) { events <- event + " " + encode(t, data) })
	defer cancel()
	acc := env.PhoneBlockEntries(t, phone, []emulator.Entry{{Username: "ana"}}, nil)
	entry := acc.BlocklistEntries[0].LID + "@lid"
	timeout := time.After(emutest.Timeout)
	for {
		select {
		case e := <-events:
			var p jsapi.PrivacyEvent
			if !strings.HasPrefix(e, "privacy ") || json.Unmarshal([]byte(e[len("privacy "):]), &p) != nil {
				continue
			}
			if len(p.Blocked) == 1 && p.Blocked[0] == entry && p.Contacts[entry].Username == "ana" {
				if p.Defense != acc.Privacy["defense"] || p.Stickers != acc.Privacy["stickers"] || p.Defense == "" {
					t.Errorf("defense %q, stickers %q; the emulator has %v", p.Defense, p.Stickers, acc.Privacy)
				}
				return
			}
		case <-timeout:
			t.Fatal("no privacy event naming the blocked contact")
		}
	}
}
