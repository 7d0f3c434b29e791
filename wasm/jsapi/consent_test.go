package jsapi

import (
	"encoding/json"
	"testing"

	"github.com/waprivacy/waprivacy/wasm/siteaccess"
)

func TestTheHostSeesNoLinkingCodeWhateverItsAccess(t *testing.T) {
	linking := StatusEvent{Account: "k", State: "waiting-for-scan", QRCode: "2@ref,keys", PairingCode: "ABCD-EFGH"}
	for access, want := range map[siteaccess.Access]string{
		siteaccess.Undecided: `{"state":"consent-needed","detail":"The person has not allowed this site to use their WhatsApp privacy settings yet; the widget asks them."}`,
		siteaccess.Denied:    `{"state":"consent-needed","detail":"The person did not allow this site to use their WhatsApp privacy settings; they can change their answer in the widget."}`,
		siteaccess.Read:      `{"account":"k","state":"waiting-for-scan","access":"read"}`,
		siteaccess.Change:    `{"account":"k","state":"waiting-for-scan","access":"change"}`,
	} {
		got, err := json.Marshal(hostStatus(linking, access))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%q: %s\nwant %s", access, got, want)
		}
	}
}

func TestWhatEachAccessLetsTheHostRequest(t *testing.T) {
	for _, tc := range []struct {
		method string
		access siteaccess.Access
		want   string // "" for allowed
	}{
		{"GET", siteaccess.Undecided, "consent-needed"},
		{"POST", siteaccess.Undecided, "consent-needed"},
		{"GET", siteaccess.Denied, "consent-needed"},
		{"POST", siteaccess.Denied, "consent-needed"},
		{"GET", siteaccess.Read, ""},
		{"POST", siteaccess.Read, "read-only"},
		{"DELETE", siteaccess.Read, "read-only"},
		{"get", siteaccess.Read, "read-only"}, // not GET: the API refuses it anyway, but it is no read
		{"GET", siteaccess.Change, ""},
		{"POST", siteaccess.Change, ""},
	} {
		resp, refused := refusal(tc.method, tc.access)
		if !refused {
			if tc.want != "" {
				t.Errorf("%s with %q was allowed", tc.method, tc.access)
			}
			continue
		}
		body, _ := json.Marshal(resp.Body)
		var got struct {
			Success bool
			Error   struct{ Message, Code string }
		}
		json.Unmarshal(body, &got)
		if tc.want == "" || resp.Status != 403 || got.Success || got.Error.Code != tc.want || got.Error.Message == "" {
			t.Errorf("%s with %q: %d %s, want 403 %s", tc.method, tc.access, resp.Status, body, tc.want)
		}
	}
}
