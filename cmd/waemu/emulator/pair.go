package emulator

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mau.fi/libsignal/ecc"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"
)

// Signature prefixes of the ADV scheme (whatsmeow pair.go).
var (
	advAccountSigPrefix = []byte{6, 0}
	advDeviceSigPrefix  = []byte{6, 1}
)

// pairTimeout bounds how long the phone waits for a companion's answer.
const pairTimeout = 20 * time.Second

// qrCode is the content of a companion's QR: ref, noise key, identity key, ADV secret.
type qrCode struct {
	ref                     string
	noise, identity, secret []byte
}

// parseQR accepts the pinned whatsmeow's "ref,noise,identity,adv" and the
// newer forms with a wa.me prefix or a fifth (client type) field.
func parseQR(text string) (qrCode, error) {
	text = strings.TrimSpace(text)
	if i := strings.IndexByte(text, '#'); i >= 0 && strings.HasPrefix(text, "https://") {
		text = text[i+1:]
	}
	parts := strings.Split(text, ",")
	if len(parts) != 4 && len(parts) != 5 {
		return qrCode{}, fmt.Errorf("%w: QR text must be ref,noise,identity,secret", ErrInvalid)
	}
	q := qrCode{ref: parts[0]}
	if q.ref == "" {
		return qrCode{}, fmt.Errorf("%w: QR ref is empty", ErrInvalid)
	}
	for i, dst := range []*[]byte{&q.noise, &q.identity, &q.secret} {
		b, err := base64.StdEncoding.DecodeString(parts[i+1])
		if err != nil || len(b) != 32 {
			return qrCode{}, fmt.Errorf("%w: QR field %d is not 32 bytes of base64", ErrInvalid, i+2)
		}
		*dst = b
	}
	return q, nil
}

// Scan is the phone scanning a companion's QR code: it links the companion
// that shows it to the account of phone, creating the account on first use.
func (s *Server) Scan(ctx context.Context, qr, phone string) (types.JID, error) {
	if !validPhone(phone) {
		return types.JID{}, errPhone
	}
	q, err := parseQR(qr)
	if err != nil {
		return types.JID{}, err
	}
	s.pairMu.Lock()
	defer s.pairMu.Unlock()
	c := s.live.byRef(q.ref)
	if c == nil {
		return types.JID{}, fmt.Errorf("%w: no connected companion shows that QR code", ErrNotFound)
	}
	if !bytes.Equal(q.noise, c.noiseKey[:]) || !bytes.Equal(q.identity, c.identity) {
		return types.JID{}, fmt.Errorf("%w: the QR's keys are not those of the companion showing it", ErrInvalid)
	}
	plan, err := s.world.planPairing(phone)
	if err != nil {
		return types.JID{}, err
	}
	return s.completePairing(ctx, c, plan, q.identity, q.secret)
}

// pairingPlan is what the phone needs to link one companion. It is computed
// under pairMu and committed only when the companion accepts, so a failed
// pairing changes nothing.
type pairingPlan struct {
	acc      *account // a copy of the fields pairing reads; a new account if fresh
	fresh    bool
	device   uint16
	keyIndex uint32
}

func (w *world) planPairing(phone string) (pairingPlan, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if acc := w.accounts[phone]; acc != nil {
		return pairingPlan{
			acc:      &account{Phone: acc.Phone, LID: acc.LID, IdentityPub: acc.IdentityPub, IdentityPriv: acc.IdentityPriv},
			device:   acc.NextDevice,
			keyIndex: acc.NextKeyIndex,
		}, nil
	}
	acc, err := newAccount(phone, time.Now())
	if err != nil {
		return pairingPlan{}, err
	}
	return pairingPlan{acc: acc, fresh: true, device: acc.NextDevice, keyIndex: acc.NextKeyIndex}, nil
}

func (w *world) commitPairing(plan pairingPlan, dev *device) {
	w.mu.Lock()
	defer w.mu.Unlock()
	acc := w.accounts[plan.acc.Phone]
	if acc == nil {
		acc = plan.acc
		w.accounts[acc.Phone] = acc
		w.lidPhones[acc.LID] = acc.Phone
		delete(w.unregistered, acc.Phone) // the phone has just registered
	}
	acc.Devices[plan.device] = dev
	acc.NextDevice = plan.device + 1
	acc.NextKeyIndex = plan.keyIndex + 1
	w.saveLocked()
}

// completePairing plays the phone's side once it knows the companion's
// identity key and ADV secret, by QR or by code (protocol.md §3.1):
// pair-success with a signed, HMACed ADV identity, then a check of the
// companion's device signature, then stream error 515 so it logs in.
func (s *Server) completePairing(ctx context.Context, c *conn, plan pairingPlan, companionIdentity, advSecret []byte) (types.JID, error) {
	ctx, cancel := context.WithTimeout(ctx, pairTimeout)
	defer cancel()
	acc := plan.acc
	jid, lid := acc.deviceJID(plan.device), acc.lidJID(plan.device)

	details, err := proto.Marshal(&waAdv.ADVDeviceIdentity{
		RawID:       proto.Uint32(binary.BigEndian.Uint32(randomBytes(4))),
		Timestamp:   proto.Uint64(uint64(time.Now().Unix())),
		KeyIndex:    proto.Uint32(plan.keyIndex),
		AccountType: waAdv.ADVEncryptionType_E2EE.Enum(),
		DeviceType:  waAdv.ADVEncryptionType_E2EE.Enum(),
	})
	if err != nil {
		return types.JID{}, err
	}
	accountSig := ecc.CalculateSignature(ecc.NewDjbECPrivateKey([32]byte(acc.IdentityPriv)), concat(advAccountSigPrefix, details, companionIdentity))
	signed, err := proto.Marshal(&waAdv.ADVSignedDeviceIdentity{
		Details: details, AccountSignatureKey: acc.IdentityPub, AccountSignature: accountSig[:],
	})
	if err != nil {
		return types.JID{}, err
	}
	mac := hmac.New(sha256.New, advSecret)
	mac.Write(signed)
	container, err := proto.Marshal(&waAdv.ADVSignedDeviceIdentityHMAC{Details: signed, HMAC: mac.Sum(nil)})
	if err != nil {
		return types.JID{}, err
	}

	resp, err := c.request(ctx, waBinary.Node{
		Tag:   "iq",
		Attrs: waBinary.Attrs{"from": types.ServerJID, "type": "set", "xmlns": "md", "t": unixNow()},
		Content: []waBinary.Node{{Tag: "pair-success", Content: []waBinary.Node{
			{Tag: "device-identity", Attrs: waBinary.Attrs{"key-index": int(plan.keyIndex)}, Content: container},
			{Tag: "platform", Attrs: waBinary.Attrs{"name": "android"}},
			{Tag: "device", Attrs: waBinary.Attrs{"jid": jid, "lid": lid}},
		}}},
	})
	if err != nil {
		return types.JID{}, fmt.Errorf("%w: no answer to pair-success: %w", ErrCompanion, err)
	}
	if typ, _ := resp.Attrs["type"].(string); typ != "result" {
		errNode := resp.GetChildByTag("error")
		e := errNode.AttrGetter()
		return types.JID{}, fmt.Errorf("%w: it refused pair-success: %d %s", ErrCompanion, e.OptionalInt("code"), e.OptionalString("text"))
	}
	if err := verifyDeviceSign(resp, details, accountSig[:], acc.IdentityPub, companionIdentity); err != nil {
		c.cancel()
		return types.JID{}, fmt.Errorf("%w: %w", ErrCompanion, err)
	}

	s.world.commitPairing(plan, &device{NoiseKey: c.noiseKey[:], IdentityKey: companionIdentity, Paired: time.Now().Unix()})
	s.live.forgetPairing(c)
	c.log.Info("companion paired", "device", jid, "newAccount", plan.fresh)
	// 515 makes whatsmeow reconnect and log in. It closes the socket itself;
	// closing first could drop the 515 unhandled (protocol.md §2).
	c.send(waBinary.Node{Tag: "stream:error", Attrs: waBinary.Attrs{"code": "515"}})
	c.closeAfter(10 * time.Second)
	return jid, nil
}

// verifyDeviceSign checks the companion's pair-device-sign: the same details
// and account signature, plus a valid device signature by its identity key.
func verifyDeviceSign(resp *waBinary.Node, details, accountSig, accountPub, companionIdentity []byte) error {
	node, ok := resp.GetOptionalChildByTag("pair-device-sign", "device-identity")
	raw, isBytes := node.Content.([]byte)
	if !ok || !isBytes {
		return errors.New("pair-device-sign lacks device-identity")
	}
	var signed waAdv.ADVSignedDeviceIdentity
	if err := proto.Unmarshal(raw, &signed); err != nil {
		return fmt.Errorf("pair-device-sign: %w", err)
	}
	if !bytes.Equal(signed.GetDetails(), details) || !bytes.Equal(signed.GetAccountSignature(), accountSig) {
		return errors.New("pair-device-sign does not echo the identity the phone signed")
	}
	sig := signed.GetDeviceSignature()
	if len(sig) != 64 {
		return errors.New("pair-device-sign: device signature is not 64 bytes")
	}
	msg := concat(advDeviceSigPrefix, details, companionIdentity, accountPub)
	if !ecc.VerifySignature(ecc.NewDjbECPublicKey([32]byte(companionIdentity)), msg, [64]byte(sig)) {
		return errors.New("pair-device-sign: device signature does not verify")
	}
	return nil
}

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
