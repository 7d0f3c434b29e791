package emulator

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"go.mau.fi/whatsmeow/types"
)

// The control API: JSON over HTTP, phones as digit strings (as in Z-API).
// Every request is validated before anything changes; errors come back as
// {"error": "..."} with 400 (bad input), 404 (unknown account, device or QR),
// 502 (the companion failed) or 504 (it did not answer in time).

const maxControlBody = 64 << 10

func (s *Server) controlRoutes() {
	handle := func(pattern string, h http.HandlerFunc) { s.mux.Handle(pattern, guardControl(h)) }
	handle("GET /control/trust", s.handleTrust)
	handle("POST /control/scan", s.handleScan)
	handle("POST /control/link-code", s.handleLinkCode)
	handle("GET /control/accounts/{phone}", s.handleAccount)
	handle("POST /control/accounts/{phone}", s.handleConfigureAccount)
	handle("POST /control/accounts/{phone}/privacy", s.handlePhonePrivacy)
	handle("POST /control/accounts/{phone}/disallowed/{category}", s.handleDisallowed)
	handle("POST /control/accounts/{phone}/blocklist", s.handlePhoneBlocklist)
	handle("POST /control/accounts/{phone}/disappearing", s.handlePhoneDisappearing)
	handle("POST /control/accounts/{phone}/unlink", s.handleUnlink)
	handle("GET /control/numbers/{phone}", s.handleNumber)
	handle("POST /control/numbers/{phone}", s.handleSetNumber)
	handle("GET /control/version", s.handleVersions)
	handle("POST /control/version", s.handleSetVersions)
	handle("POST /control/faults", s.handleSetFaults)
	handle("DELETE /control/faults", s.handleClearFaults)
}

// guardControl refuses control requests a web page could send on its own
// while the emulator runs (make demo): any page the person has open can
// reach 127.0.0.1:7400.
//
//   - An Origin, which browsers send with every cross-origin request and
//     with same-origin POSTs, must be the emulator's own: the /phone page's
//     requests pass, every other site's get 403.
//   - Sec-Fetch-Site, when a browser sends it, must say same-origin (or
//     none, for a request the person made themselves).
//   - The Host must be an IP address or localhost, so that a page whose
//     own name was made to resolve to 127.0.0.1 (DNS rebinding), and is
//     then "same-origin", is still refused.
//   - A POST or DELETE with a body must be Content-Type: application/json
//     (415 otherwise), which a page cannot send across origins without a
//     CORS preflight the emulator never grants.
func guardControl(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !localHost(r.Host) {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": fmt.Sprintf(
				"control requests must be addressed to an IP address or localhost, not %q", r.Host)})
			return
		}
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		own := scheme + "://" + r.Host
		if origin := r.Header.Get("Origin"); origin != "" && !strings.EqualFold(origin, own) {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": fmt.Sprintf(
				"cross-origin control request refused: Origin %q is not the emulator's own %q", origin, own)})
			return
		}
		if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": fmt.Sprintf(
				"cross-origin control request refused: Sec-Fetch-Site is %q", site)})
			return
		}
		if (r.Method == http.MethodPost || r.Method == http.MethodDelete) && r.ContentLength != 0 {
			if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
				writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": fmt.Sprintf(
					"Content-Type %q: the control API takes application/json", r.Header.Get("Content-Type"))})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// localHost reports whether a Host header names an IP address, localhost
// or a name under .localhost, with or without a port.
func localHost(host string) bool {
	h := host
	if hp, _, err := net.SplitHostPort(host); err == nil {
		h = hp
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}

// Account is an account as the control API shows it. Disallowed and
// Blocklist list phone numbers only, as they always did; the Entries fields
// list every entry with its LID, including those without a number.
type Account struct {
	Privacy                    map[string]string   `json:"privacy"`
	Disallowed                 map[string][]string `json:"disallowed"`
	Blocklist                  []string            `json:"blocklist"`
	DefaultDisappearingSeconds int                 `json:"defaultDisappearingSeconds"`
	Devices                    []string            `json:"devices"`

	LID               string             `json:"lid"`        // the account's own LID (digits)
	Addressing        string             `json:"addressing"` // "lid" (migrated) or "pn" (legacy)
	MessagesFeature   bool               `json:"messagesFeature"`
	DisallowedEntries map[string][]Entry `json:"disallowedEntries"`
	BlocklistEntries  []Entry            `json:"blocklistEntries"`
}

// Account returns a snapshot of the account of phone.
func (s *Server) Account(phone string) (Account, error) {
	if !validPhone(phone) {
		return Account{}, errPhone
	}
	var out Account
	w := s.world
	err := w.read(phone, func(acc *account) error {
		out = Account{
			Privacy:                    map[string]string{},
			Disallowed:                 map[string][]string{},
			Blocklist:                  append([]string{}, acc.Blocklist.Users...),
			DefaultDisappearingSeconds: acc.DisappearingSeconds,
			Devices:                    deviceJIDs(acc),
			LID:                        acc.LID,
			Addressing:                 acc.addressing(),
			MessagesFeature:            acc.hasCategory("messages"),
			DisallowedEntries:          map[string][]Entry{},
			BlocklistEntries:           w.entriesLocked(&acc.Blocklist),
		}
		for _, c := range acc.categories() {
			out.Privacy[c.name] = acc.Privacy[c.name]
		}
		for name, l := range acc.Disallowed {
			out.Disallowed[name] = append([]string{}, l.Users...)
			out.DisallowedEntries[name] = w.entriesLocked(l)
		}
		return nil
	})
	return out, err
}

func (w *world) entriesLocked(l *userList) []Entry {
	out := make([]Entry, 0, len(l.Users)+len(l.Hidden))
	for _, u := range l.Users {
		out = append(out, Entry{Phone: u, LID: w.lidOfLocked(u)})
	}
	for _, h := range l.Hidden {
		out = append(out, Entry{LID: h.LID, Username: h.Username, DisplayName: h.DisplayName})
	}
	return out
}

func (s *Server) handleTrust(w http.ResponseWriter, _ *http.Request) {
	key := RootPublicKey()
	writeJSON(w, http.StatusOK, map[string]string{"rootKey": base64.StdEncoding.EncodeToString(key[:])})
}

type pairReply struct {
	JID string `json:"jid"`
}

func (s *Server) handleScan(w http.ResponseWriter, r *http.Request) {
	var req struct {
		QR    string `json:"qr"`
		Phone string `json:"phone"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	jid, err := s.Scan(r.Context(), req.QR, req.Phone)
	s.reply(w, pairReply{jid.String()}, err)
}

func (s *Server) handleLinkCode(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Phone string `json:"phone"`
		Code  string `json:"code"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	jid, err := s.LinkCode(r.Context(), req.Phone, req.Code)
	s.reply(w, pairReply{jid.String()}, err)
}

func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request) {
	acc, err := s.Account(r.PathValue("phone"))
	s.reply(w, acc, err)
}

// afterChange answers a phone-side change with the account as it now is.
func (s *Server) afterChange(w http.ResponseWriter, phone string, err error) {
	var acc Account
	if err == nil {
		acc, err = s.Account(phone)
	}
	s.reply(w, acc, err)
}

func (s *Server) handlePhonePrivacy(w http.ResponseWriter, r *http.Request) {
	var settings map[string]string
	if !readJSON(w, r, &settings) {
		return
	}
	phone := r.PathValue("phone")
	s.afterChange(w, phone, s.SetPrivacy(phone, settings))
}

func (s *Server) handleDisallowed(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Add           []string `json:"add"`
		Remove        []string `json:"remove"`
		AddEntries    []Entry  `json:"addEntries"`
		RemoveEntries []Entry  `json:"removeEntries"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	phone := r.PathValue("phone")
	s.afterChange(w, phone, s.EditDisallowedList(phone, r.PathValue("category"), ListEdit{Add: req.Add, Remove: req.Remove, AddEntries: req.AddEntries, RemoveEntries: req.RemoveEntries}))
}

func (s *Server) handleConfigureAccount(w http.ResponseWriter, r *http.Request) {
	var opts AccountOptions
	if !readJSON(w, r, &opts) {
		return
	}
	phone := r.PathValue("phone")
	s.afterChange(w, phone, s.ConfigureAccount(phone, opts))
}

func (s *Server) handlePhoneBlocklist(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Block          []string `json:"block"`
		Unblock        []string `json:"unblock"`
		BlockEntries   []Entry  `json:"blockEntries"`
		UnblockEntries []Entry  `json:"unblockEntries"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	phone := r.PathValue("phone")
	s.afterChange(w, phone, s.EditBlocklist(phone, ListEdit{Add: req.Block, Remove: req.Unblock, AddEntries: req.BlockEntries, RemoveEntries: req.UnblockEntries}))
}

func (s *Server) handlePhoneDisappearing(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Seconds *int `json:"seconds"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	phone := r.PathValue("phone")
	if req.Seconds == nil {
		s.reply(w, nil, fmt.Errorf("%w: seconds is missing", ErrInvalid))
		return
	}
	s.afterChange(w, phone, s.SetDisappearing(phone, *req.Seconds))
}

func (s *Server) handleNumber(w http.ResponseWriter, r *http.Request) {
	n, err := s.Number(r.PathValue("phone"))
	s.reply(w, n, err)
}

func (s *Server) handleSetNumber(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Registered *bool `json:"registered"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	phone := r.PathValue("phone")
	if req.Registered == nil {
		s.reply(w, nil, fmt.Errorf("%w: registered is missing", ErrInvalid))
		return
	}
	if err := s.SetRegistered(phone, *req.Registered); err != nil {
		s.reply(w, nil, err)
		return
	}
	s.handleNumber(w, r)
}

func (s *Server) handleVersions(w http.ResponseWriter, _ *http.Request) {
	s.reply(w, s.Versions(), nil)
}

func (s *Server) handleSetVersions(w http.ResponseWriter, r *http.Request) {
	var req struct {
		MinClientVersion     *string `json:"minClientVersion"`
		CurrentClientVersion *string `json:"currentClientVersion"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	v, err := s.SetVersions(req.MinClientVersion, req.CurrentClientVersion)
	s.reply(w, v, err)
}

func (s *Server) handleUnlink(w http.ResponseWriter, r *http.Request) {
	var req struct {
		JID string `json:"jid"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	phone := r.PathValue("phone")
	jid, err := types.ParseJID(req.JID)
	if err != nil || req.JID == "" {
		s.reply(w, nil, fmt.Errorf("%w: jid %q is not like <phone>:<device>@s.whatsapp.net", ErrInvalid, req.JID))
		return
	}
	s.afterChange(w, phone, s.Unlink(phone, jid))
}

func (s *Server) handleSetFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	if !readJSON(w, r, &f) {
		return
	}
	s.reply(w, f, s.SetFaults(f))
}

func (s *Server) handleClearFaults(w http.ResponseWriter, _ *http.Request) {
	s.reply(w, Faults{}, s.SetFaults(Faults{}))
}

// readJSON decodes exactly one JSON value with no unknown fields; on failure
// it answers 400 and returns false.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("trailing data after the JSON value")
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid request: body must be one JSON object: " + err.Error()})
		return false
	}
	return true
}

// reply writes v, or the error with the status its kind maps to.
func (s *Server) reply(w http.ResponseWriter, v any, err error) {
	if err == nil {
		writeJSON(w, http.StatusOK, v)
		return
	}
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrInvalid):
		status = http.StatusBadRequest
	case errors.Is(err, ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, context.DeadlineExceeded):
		status = http.StatusGatewayTimeout
	case errors.Is(err, ErrCompanion):
		status = http.StatusBadGateway
	default:
		s.log.Error("control request failed", "err", err)
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
