package emulator

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"regexp"
	"strings"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// Pairing by phone-number code (protocol.md §3.2, whatsmeow pair-code.go):
// the companion wraps an ephemeral key with the 8-character code, the phone
// unwraps it with the code the user types and answers with its own wrapped
// ephemeral; the companion then sends its identity key and some randomness
// encrypted under the shared secret, and both derive the ADV secret.

const (
	linkCodeAlphabet   = "123456789ABCDEFGHJKLMNPQRSTVWXYZ"
	linkCodeIterations = 2 << 16
	bundleInfo         = "link_code_pairing_key_bundle_encryption_key"
)

// platformDisplay is the "Browser (OS)" form the real server insists on.
var platformDisplay = regexp.MustCompile(`^\S.* \(.+\)$`)

// linkHello is a companion's request to pair with a phone number by code.
type linkHello struct {
	phone   string
	wrapped []byte // salt(32) ‖ iv(16) ‖ AES-CTR(code key, companion ephemeral pub)
	ref     string
}

// linkAttempt is the phone's side of one code attempt, waiting for companion_finish.
type linkAttempt struct {
	ref     string
	shared  []byte // X25519(primary ephemeral, companion ephemeral)
	primary []byte // the account identity key the phone announced
	done    chan linkResult
}

type linkResult struct {
	identity, primary, random []byte
	err                       error
}

var errWrongCode = errors.New("the companion's key bundle does not decrypt: wrong code")

func handleLinkCodeReg(c *conn, iq *waBinary.Node) ([]waBinary.Node, error) {
	reg, err := onlyChild(iq, "link_code_companion_reg")
	if err != nil {
		return nil, err
	}
	if !c.device.IsEmpty() || c.identity == nil {
		return nil, badRequest("link code pairing on a logged-in connection")
	}
	switch stage := reg.AttrGetter().OptionalString("stage"); stage {
	case "companion_hello":
		return c.companionHello(reg)
	case "companion_finish":
		return nil, c.companionFinish(reg)
	default:
		return nil, badRequest("link code stage %q", stage)
	}
}

func (c *conn) companionHello(reg waBinary.Node) ([]waBinary.Node, error) {
	jid, ok := reg.Attrs["jid"].(types.JID)
	if !ok || jid.Server != types.DefaultUserServer || !validPhone(jid.User) {
		return nil, badRequest("companion_hello jid %v", reg.Attrs["jid"])
	}
	wrapped := contentBytes(reg.GetChildByTag("link_code_pairing_wrapped_companion_ephemeral_pub"))
	authKey := contentBytes(reg.GetChildByTag("companion_server_auth_key_pub"))
	platformID := contentBytes(reg.GetChildByTag("companion_platform_id"))
	display := contentBytes(reg.GetChildByTag("companion_platform_display"))
	switch {
	case len(wrapped) != 80:
		return nil, badRequest("wrapped companion ephemeral is %d bytes, want 80", len(wrapped))
	case !bytes.Equal(authKey, c.noiseKey[:]):
		return nil, badRequest("companion_server_auth_key_pub is not this connection's noise key")
	case len(platformID) != 1 || platformID[0] < '1' || platformID[0] > '9':
		return nil, badRequest("companion_platform_id %q", platformID)
	case !platformDisplay.Match(display):
		return nil, badRequest(`companion_platform_display %q is not "Browser (OS)"`, display)
	}
	h := &linkHello{phone: jid.User, wrapped: bytes.Clone(wrapped), ref: newRef()}
	c.srv.live.setHello(c, jid.User, h)
	c.log.Info("companion asked for a link code", "phone", jid.User)
	return []waBinary.Node{{Tag: "link_code_companion_reg", Content: []waBinary.Node{
		{Tag: "link_code_pairing_ref", Content: []byte(h.ref)},
	}}}, nil
}

func (c *conn) companionFinish(reg waBinary.Node) error {
	c.mu.Lock()
	a := c.link
	c.link = nil
	c.mu.Unlock()
	if a == nil {
		return badRequest("companion_finish without primary_hello")
	}
	bundle := contentBytes(reg.GetChildByTag("link_code_pairing_wrapped_key_bundle"))
	identity := contentBytes(reg.GetChildByTag("companion_identity_public"))
	ref := contentBytes(reg.GetChildByTag("link_code_pairing_ref"))
	res := a.open(bundle)
	switch {
	case res.err != nil:
	case string(ref) != a.ref:
		res.err = errors.New("companion_finish names another pairing ref")
	case !bytes.Equal(identity, res.identity) || !bytes.Equal(identity, c.identity):
		res.err = errors.New("companion identity differs between bundle, finish and registration")
	case !bytes.Equal(res.primary, a.primary):
		res.err = errors.New("key bundle names another primary identity")
	}
	a.done <- res
	if res.err != nil {
		return badRequest("%v", res.err)
	}
	return nil
}

// open decrypts the key bundle: salt(32) ‖ nonce(12) ‖ AES-GCM(companion
// identity ‖ primary identity ‖ random), keyed by HKDF of the shared secret.
func (a *linkAttempt) open(bundle []byte) linkResult {
	if len(bundle) != 32+12+96+16 {
		return linkResult{err: fmt.Errorf("key bundle is %d bytes", len(bundle))}
	}
	key, err := hkdf.Key(sha256.New, a.shared, bundle[:32], bundleInfo, 32)
	if err != nil {
		return linkResult{err: err}
	}
	block, _ := aes.NewCipher(key) // a 32-byte key cannot fail
	gcm, _ := cipher.NewGCM(block)
	plain, err := gcm.Open(nil, bundle[32:44], bundle[44:], nil)
	if err != nil {
		return linkResult{err: errWrongCode}
	}
	return linkResult{identity: plain[:32], primary: plain[32:64], random: plain[64:96]}
}

// normalizeCode accepts "ABCD-EFGH" in any case, with or without the dash.
func normalizeCode(code string) (string, error) {
	code = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), "-", ""))
	if len(code) != 8 || strings.Trim(code, linkCodeAlphabet) != "" {
		return "", fmt.Errorf("%w: code must be 8 characters from %s, like ABCD-EFGH", ErrInvalid, linkCodeAlphabet)
	}
	return code, nil
}

// LinkCode is the user typing a companion's pairing code into the phone of
// phone: it links the companion waiting for that number with that code.
func (s *Server) LinkCode(ctx context.Context, phone, code string) (types.JID, error) {
	if !validPhone(phone) {
		return types.JID{}, errPhone
	}
	code, err := normalizeCode(code)
	if err != nil {
		return types.JID{}, err
	}
	s.pairMu.Lock()
	defer s.pairMu.Unlock()
	candidates := s.live.hellosFor(phone)
	if len(candidates) == 0 {
		return types.JID{}, fmt.Errorf("%w: no companion is waiting to link to %s", ErrNotFound, phone)
	}
	plan, err := s.world.planPairing(phone)
	if err != nil {
		return types.JID{}, err
	}
	// The code cannot be checked on its own: a wrong one only shows when the
	// companion's bundle fails to decrypt. So try each waiting companion.
	for _, cand := range candidates {
		identity, secret, err := s.tryCode(ctx, cand.conn, cand.hello, code, plan)
		if errors.Is(err, errWrongCode) {
			continue
		} else if err != nil {
			return types.JID{}, err
		}
		return s.completePairing(ctx, cand.conn, plan, identity, secret)
	}
	return types.JID{}, fmt.Errorf("%w: no companion waiting to link to %s shows that code", ErrNotFound, phone)
}

// tryCode sends primary_hello to one companion and waits for its
// companion_finish; it returns the companion's identity key and the ADV secret.
func (s *Server) tryCode(ctx context.Context, c *conn, h *linkHello, code string, plan pairingPlan) (identity, secret []byte, err error) {
	companionEph, err := codeCipher(code, h.wrapped[:32], h.wrapped[32:48], h.wrapped[48:])
	if err != nil {
		return nil, nil, err
	}
	primary, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	pub, err := ecdh.X25519().NewPublicKey(companionEph)
	if err != nil {
		return nil, nil, err
	}
	shared, err := primary.ECDH(pub)
	if err != nil {
		// A wrong code unwraps to random bytes, which can be a low-order point.
		return nil, nil, errWrongCode
	}
	salt, iv := randomBytes(32), randomBytes(16)
	wrappedPrimary, err := codeCipher(code, salt, iv, primary.PublicKey().Bytes())
	if err != nil {
		return nil, nil, err
	}
	a := &linkAttempt{ref: h.ref, shared: shared, primary: plan.acc.IdentityPub, done: make(chan linkResult, 1)}
	c.mu.Lock()
	c.link = a
	c.mu.Unlock()
	c.send(waBinary.Node{
		Tag:   "notification",
		Attrs: waBinary.Attrs{"from": types.ServerJID, "type": "link_code_companion_reg", "id": s.newID(), "t": unixNow()},
		Content: []waBinary.Node{{Tag: "link_code_companion_reg", Attrs: waBinary.Attrs{"stage": "primary_hello"}, Content: []waBinary.Node{
			{Tag: "link_code_pairing_ref", Content: []byte(h.ref)},
			{Tag: "link_code_pairing_wrapped_primary_ephemeral_pub", Content: concat(salt, iv, wrappedPrimary)},
			{Tag: "primary_identity_pub", Content: plan.acc.IdentityPub},
		}}},
	})
	ctx, cancel := context.WithTimeout(ctx, pairTimeout)
	defer cancel()
	select {
	case res := <-a.done:
		if errors.Is(res.err, errWrongCode) {
			return nil, nil, res.err
		}
		if res.err == nil {
			secret, res.err = advSecret(shared, res, plan.acc.IdentityPriv)
		}
		if res.err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrCompanion, res.err)
		}
		return res.identity, secret, nil
	case <-ctx.Done():
		return nil, nil, fmt.Errorf("%w: no companion_finish: %w", ErrCompanion, ctx.Err())
	case <-c.ctx.Done():
		return nil, nil, fmt.Errorf("%w: connection closed", ErrCompanion)
	}
}

// codeCipher is AES-256-CTR keyed by PBKDF2-SHA256 of the code; it both wraps and unwraps.
func codeCipher(code string, salt, iv, data []byte) ([]byte, error) {
	key, err := pbkdf2.Key(sha256.New, code, salt, linkCodeIterations, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(data))
	cipher.NewCTR(block, iv).XORKeyStream(out, data)
	return out, nil
}

// advSecret derives the ADV secret as the companion does:
// HKDF(shared ‖ X25519(primary identity, companion identity) ‖ random, info "adv_secret").
func advSecret(shared []byte, res linkResult, primaryPriv []byte) ([]byte, error) {
	priv, err := ecdh.X25519().NewPrivateKey(primaryPriv)
	if err != nil {
		return nil, err
	}
	pub, err := ecdh.X25519().NewPublicKey(res.identity)
	if err != nil {
		return nil, err
	}
	identityShared, err := priv.ECDH(pub)
	if err != nil {
		return nil, err
	}
	return hkdf.Key(sha256.New, concat(shared, identityShared, res.random), nil, "adv_secret", 32)
}
