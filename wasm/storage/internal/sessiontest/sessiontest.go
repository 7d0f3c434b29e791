// Package sessiontest writes a linked device's keys into a whatsmeow store
// and fingerprints them, for tests that check the store keeps them.
package sessiontest

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"

	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/keys"
)

// User is the phone number of the seeded device.
const User = "15550001234"

// Seed saves a new device of User with preKeys pre-keys into c and returns
// the fingerprint of what it wrote. The pre-keys go in one transaction, as
// they would be slow one commit each.
func Seed(ctx context.Context, c *sqlstore.Container, preKeys int) (string, error) {
	return SeedUser(ctx, c, User, preKeys)
}

// SeedUser is Seed for the phone number user, to store several accounts.
func SeedUser(ctx context.Context, c *sqlstore.Container, user string, preKeys int) (string, error) {
	d := c.NewDevice()
	d.ID = &types.JID{User: user, Device: 7, Server: types.DefaultUserServer}
	d.PushName = "Storage test"
	d.Account = &waAdv.ADVSignedDeviceIdentity{
		Details:             []byte("details"),
		AccountSignature:    make([]byte, 64),
		AccountSignatureKey: make([]byte, 32),
		DeviceSignature:     make([]byte, 64),
	}
	if err := d.Save(ctx); err != nil {
		return "", fmt.Errorf("saving the device: %w", err)
	}
	var generated []*keys.PreKey
	err := d.EventBuffer.DoDecryptionTxn(ctx, func(ctx context.Context) error {
		var err error
		generated, err = d.PreKeys.GetOrGenPreKeys(ctx, uint32(preKeys))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("generating pre-keys: %w", err)
	}
	h := sha256.New()
	writeDevice(h, d)
	for _, k := range generated {
		writePreKey(h, k)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Fingerprint reads back the device and the pre-keys that Seed wrote.
func Fingerprint(ctx context.Context, c *sqlstore.Container, preKeys int) (string, error) {
	d, err := c.GetFirstDevice(ctx)
	if err != nil {
		return "", err
	}
	if d.ID == nil || d.ID.User != User {
		return "", fmt.Errorf("no device of %s in the store", User)
	}
	h := sha256.New()
	writeDevice(h, d)
	for id := 1; id <= preKeys; id++ {
		k, err := d.PreKeys.GetPreKey(ctx, uint32(id))
		if err != nil {
			return "", fmt.Errorf("pre-key %d: %w", id, err)
		}
		if k == nil {
			return "", fmt.Errorf("pre-key %d is missing", id)
		}
		writePreKey(h, k)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func writeDevice(h hash.Hash, d *store.Device) {
	fmt.Fprintf(h, "%s|%d|%s|", d.ID, d.RegistrationID, d.PushName)
	h.Write(d.NoiseKey.Priv[:])
	h.Write(d.IdentityKey.Priv[:])
	writePreKey(h, d.SignedPreKey)
	h.Write(d.SignedPreKey.Signature[:])
	h.Write(d.AdvSecretKey)
	h.Write(d.Account.Details)
}

func writePreKey(h hash.Hash, k *keys.PreKey) {
	binary.Write(h, binary.BigEndian, k.KeyID)
	h.Write(k.Priv[:])
}
