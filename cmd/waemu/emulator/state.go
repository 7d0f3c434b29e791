package emulator

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"

	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/keys"
)

// account is one phone number's WhatsApp account: what the phone and the
// server know about it. Fields are exported only for the state file.
type account struct {
	Phone string `json:"phone"`
	LID   string `json:"lid"`
	// The phone's account identity key: it signs each companion's ADV identity.
	IdentityPub  []byte `json:"identityPub"`
	IdentityPriv []byte `json:"identityPriv"`
	Created      int64  `json:"created"`

	// Addressing is "pn" for a legacy account whose lists are keyed by phone
	// number; "" (every account of an older state file) or "lid" for a
	// LID-migrated one, which is what most accounts are today.
	Addressing string `json:"addressing,omitempty"`
	// NoMessagesFeature marks an account without the "messages" category.
	NoMessagesFeature bool `json:"noMessagesFeature,omitempty"`

	Privacy    map[string]string    `json:"privacy"`
	Disallowed map[string]*userList `json:"disallowed"`
	Blocklist  userList             `json:"blocklist"`

	DisappearingSeconds int   `json:"disappearingSeconds"`
	DisappearingSet     int64 `json:"disappearingSet"`

	Devices      map[uint16]*device `json:"devices"`
	NextDevice   uint16             `json:"nextDevice"`
	NextKeyIndex uint32             `json:"nextKeyIndex"`
	// HashSeq numbers list versions; each change takes the next value as its dhash.
	HashSeq uint64 `json:"hashSeq"`
}

// userList is an except list or the blocklist: phone numbers, entries
// without a number, and the dhash of its current version.
type userList struct {
	Users  []string      `json:"users"`
	Hidden []hiddenEntry `json:"hidden,omitempty"`
	DHash  string        `json:"dhash"`
}

func (l *userList) check() error {
	for _, u := range l.Users {
		if !validPhone(u) {
			return fmt.Errorf("list entry %q is not a phone number", u)
		}
	}
	for _, h := range l.Hidden {
		if !validLID(h.LID) {
			return fmt.Errorf("entry without a number %+v lacks a LID", h)
		}
	}
	return nil
}

// noHash is the dhash of a list that never changed; it is also what a client
// sends when it knows no dhash (WA Web's WAWebSetPrivacyJob).
const noHash = "none"

// device is a linked companion.
type device struct {
	// NoiseKey is the companion's noise static key recorded at pairing: the only
	// thing a login is checked against, as on the real service.
	NoiseKey    []byte `json:"noiseKey"`
	IdentityKey []byte `json:"identityKey"`
	PreKeys     int    `json:"preKeys"`
	Paired      int64  `json:"paired"`
}

// newAccount creates phone's account, with the LID every other account
// already sees for the number.
func newAccount(phone string, now time.Time) (*account, error) {
	id := keys.NewKeyPair()
	acc := &account{
		Phone:        phone,
		LID:          derivedLID(phone),
		IdentityPub:  id.Pub[:],
		IdentityPriv: id.Priv[:],
		Created:      now.Unix(),
		Privacy:      map[string]string{},
		Disallowed:   map[string]*userList{},
		Blocklist:    userList{DHash: noHash},
		Devices:      map[uint16]*device{},
		NextDevice:   1,
		NextKeyIndex: 1,
	}
	for _, c := range privacyCategories {
		acc.Privacy[c.name] = c.values[0]
		if c.hasList {
			acc.Disallowed[c.name] = &userList{DHash: noHash}
		}
	}
	return acc, nil
}

// check validates an account read from the state file. Categories and lists
// missing from an older file get their defaults; anything else wrong is an error.
func (a *account) check() error {
	if !validPhone(a.Phone) || len(a.IdentityPub) != 32 || len(a.IdentityPriv) != 32 || a.LID == "" {
		return errors.New("phone, lid or identity key missing or malformed")
	}
	if a.Addressing != "" && a.Addressing != addressingLID && a.Addressing != addressingPN {
		return fmt.Errorf("addressing %q is neither lid nor pn", a.Addressing)
	}
	if a.Privacy == nil {
		a.Privacy = map[string]string{}
	}
	if a.Disallowed == nil {
		a.Disallowed = map[string]*userList{}
	}
	for _, c := range privacyCategories {
		if v, ok := a.Privacy[c.name]; !ok {
			a.Privacy[c.name] = c.values[0]
		} else if err := checkSetting(c.name, v); err != nil {
			return err
		}
		if c.hasList && a.Disallowed[c.name] == nil {
			a.Disallowed[c.name] = &userList{DHash: noHash}
		}
	}
	if a.Blocklist.DHash == "" {
		a.Blocklist.DHash = noHash
	}
	for _, l := range a.lists() {
		if err := l.check(); err != nil {
			return err
		}
		if len(l.Hidden) > 0 && !a.migrated() {
			return errors.New("a phone-number account's list holds entries without a number")
		}
	}
	if !slices.Contains(disappearingDurations, a.DisappearingSeconds) {
		return fmt.Errorf("default disappearing timer %d", a.DisappearingSeconds)
	}
	if a.Devices == nil {
		a.Devices = map[uint16]*device{}
	}
	for id, d := range a.Devices {
		if id == 0 || id >= a.NextDevice || d == nil || len(d.NoiseKey) != 32 || len(d.IdentityKey) != 32 {
			return fmt.Errorf("device %d is malformed", id)
		}
	}
	return nil
}

const (
	addressingLID = "lid"
	addressingPN  = "pn"
)

// migrated reports whether the account's lists are keyed by LID.
func (a *account) migrated() bool { return a.Addressing != addressingPN }

func (a *account) addressing() string {
	if a.migrated() {
		return addressingLID
	}
	return addressingPN
}

// lists returns the account's except lists and its blocklist.
func (a *account) lists() []*userList {
	out := []*userList{&a.Blocklist}
	for _, c := range privacyCategories {
		if l := a.Disallowed[c.name]; l != nil {
			out = append(out, l)
		}
	}
	return out
}

func (a *account) jid() types.JID { return types.NewJID(a.Phone, types.DefaultUserServer) }

func (a *account) deviceJID(id uint16) types.JID {
	return types.JID{User: a.Phone, Device: id, Server: types.DefaultUserServer}
}

func (a *account) lidJID(id uint16) types.JID {
	return types.JID{User: a.LID, Device: id, Server: types.HiddenUserServer}
}

// nextHash returns a fresh dhash for a list that just changed.
func (a *account) nextHash() string {
	a.HashSeq++
	return strconv.FormatUint(a.HashSeq, 10)
}

var phonePattern = regexp.MustCompile(`^[1-9][0-9]{6,14}$`)

// validPhone accepts what whatsmeow's PairPhone does: an international
// number, digits only, no leading 0, at most E.164's 15 digits.
func validPhone(phone string) bool { return phonePattern.MatchString(phone) }

var errPhone = fmt.Errorf("%w: phone must be 7 to 15 digits, no leading 0", ErrInvalid)

// world holds every account, and what the server knows of numbers that
// have none here. Lock order: world.mu before registry.mu.
type world struct {
	mu       sync.Mutex
	accounts map[string]*account
	// unregistered numbers are not on WhatsApp; every other valid number is.
	unregistered map[string]bool
	// lidPhones maps each LID handed out to its number. Derived LIDs cannot
	// be inverted, so this is how a request naming only a LID is resolved.
	lidPhones map[string]string
	path      string
	log       *slog.Logger
}

type stateFile struct {
	Accounts     []*account `json:"accounts"`
	Unregistered []string   `json:"unregistered,omitempty"`
}

func loadWorld(path string, log *slog.Logger) (*world, error) {
	w := &world{accounts: map[string]*account{}, unregistered: map[string]bool{}, lidPhones: map[string]string{}, path: path, log: log}
	if path == "" {
		return w, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return w, nil
	} else if err != nil {
		return nil, err
	}
	var f stateFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	for _, a := range f.Accounts {
		if err := a.check(); err != nil {
			return nil, fmt.Errorf("state file %s: account %q: %w", path, a.Phone, err)
		}
		w.accounts[a.Phone] = a
		w.lidPhones[a.LID] = a.Phone
	}
	for _, u := range f.Unregistered {
		if !validPhone(u) || w.accounts[u] != nil {
			return nil, fmt.Errorf("state file %s: unregistered number %q is malformed or has an account", path, u)
		}
		w.unregistered[u] = true
	}
	// Learn the LID of every number in a list, so an unblock or removal by
	// LID alone finds its entry after a restart.
	for _, a := range w.accounts {
		for _, l := range a.lists() {
			for _, u := range l.Users {
				w.lidOfLocked(u)
			}
		}
	}
	log.Info("state loaded", "path", path, "accounts", len(w.accounts))
	return w, nil
}

// saveLocked writes every account to the state file atomically: a temporary
// file in the same directory, synced, then renamed over the old one.
func (w *world) saveLocked() {
	if w.path == "" {
		return
	}
	if err := w.writeFile(); err != nil {
		w.log.Error("saving state failed", "path", w.path, "err", err)
	}
}

func (w *world) writeFile() error {
	f := stateFile{Accounts: make([]*account, 0, len(w.accounts))}
	for _, a := range w.accounts {
		f.Accounts = append(f.Accounts, a)
	}
	slices.SortFunc(f.Accounts, func(a, b *account) int { return cmp.Compare(a.Phone, b.Phone) })
	for u := range w.unregistered {
		f.Unregistered = append(f.Unregistered, u)
	}
	slices.Sort(f.Unregistered)
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(w.path), filepath.Base(w.path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), w.path)
}

// read runs fn on the account of phone.
func (w *world) read(phone string, fn func(*account) error) error {
	return w.locked(phone, false, fn)
}

// update runs fn on the account of phone and saves if fn succeeds.
func (w *world) update(phone string, fn func(*account) error) error {
	return w.locked(phone, true, fn)
}

func (w *world) locked(phone string, save bool, fn func(*account) error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	acc := w.accounts[phone]
	if acc == nil {
		return fmt.Errorf("%w: no account for %s", ErrNotFound, phone)
	}
	if err := fn(acc); err != nil {
		return err
	}
	if save {
		w.saveLocked()
	}
	return nil
}

// readAsDevice and updateAsDevice serve requests made by a companion. The
// device must still be linked: an unlinked companion's last stanzas change nothing.
func (w *world) readAsDevice(jid types.JID, fn func(*account, *device) error) error {
	return w.asDevice(jid, false, fn)
}

func (w *world) updateAsDevice(jid types.JID, fn func(*account, *device) error) error {
	return w.asDevice(jid, true, fn)
}

func (w *world) asDevice(jid types.JID, save bool, fn func(*account, *device) error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	acc := w.accounts[jid.User]
	if acc == nil || acc.Devices[jid.Device] == nil {
		return errNotAuthorized
	}
	if err := fn(acc, acc.Devices[jid.Device]); err != nil {
		return err
	}
	if save {
		w.saveLocked()
	}
	return nil
}
