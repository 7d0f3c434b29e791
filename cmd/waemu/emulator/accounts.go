package emulator

import (
	"fmt"
	"time"
)

// AccountOptions configure an account through the control API; a nil field
// keeps its value (or, for a new account, the default).
type AccountOptions struct {
	// Addressing is "lid" for a LID-migrated account (the default, as most
	// accounts are today) or "pn" for a legacy phone-number account.
	Addressing *string `json:"addressing,omitempty"`
	// MessagesFeature offers the "messages" category (default true).
	MessagesFeature *bool `json:"messagesFeature,omitempty"`
}

// ConfigureAccount applies opts to phone's account, creating the account
// (without linked devices) if it does not exist yet.
func (s *Server) ConfigureAccount(phone string, opts AccountOptions) error {
	if !validPhone(phone) {
		return errPhone
	}
	if a := opts.Addressing; a != nil && *a != addressingLID && *a != addressingPN {
		return fmt.Errorf("%w: addressing must be %q or %q", ErrInvalid, addressingLID, addressingPN)
	}
	// Creating an account must not slip between a pairing's plan and commit.
	s.pairMu.Lock()
	defer s.pairMu.Unlock()
	w := s.world
	w.mu.Lock()
	defer w.mu.Unlock()
	acc := w.accounts[phone]
	if acc == nil {
		var err error
		if acc, err = newAccount(phone, time.Now()); err != nil {
			return err
		}
		w.accounts[phone] = acc
		w.lidPhones[acc.LID] = phone
		delete(w.unregistered, phone)
	}
	if a := opts.Addressing; a != nil && *a == addressingPN {
		for _, l := range acc.lists() {
			if len(l.Hidden) > 0 {
				return fmt.Errorf("%w: the account's lists hold entries without a number, which a phone-number account cannot", ErrInvalid)
			}
		}
	}
	if a := opts.Addressing; a != nil {
		acc.Addressing = *a
	}
	if m := opts.MessagesFeature; m != nil {
		acc.NoMessagesFeature = !*m
	}
	w.saveLocked()
	return nil
}

// NumberInfo is what the server knows of a phone number.
type NumberInfo struct {
	Phone      string `json:"phone"`
	Registered bool   `json:"registered"`
	// LID is the number's LID (digits), or "" if it is not on WhatsApp.
	LID string `json:"lid"`
	// HasAccount tells whether the number has an account on this emulator.
	HasAccount bool `json:"hasAccount"`
}

// Number returns what the server knows of phone.
func (s *Server) Number(phone string) (NumberInfo, error) {
	if !validPhone(phone) {
		return NumberInfo{}, errPhone
	}
	w := s.world
	w.mu.Lock()
	defer w.mu.Unlock()
	n := NumberInfo{Phone: phone, Registered: w.registeredLocked(phone), HasAccount: w.accounts[phone] != nil}
	if n.Registered {
		n.LID = w.lidOfLocked(phone)
	}
	return n, nil
}

// SetRegistered marks phone as on WhatsApp or not. A number with an account
// here is always registered.
func (s *Server) SetRegistered(phone string, registered bool) error {
	if !validPhone(phone) {
		return errPhone
	}
	w := s.world
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.accounts[phone] != nil {
		if registered {
			return nil
		}
		return fmt.Errorf("%w: %s has an account here, so it is on WhatsApp", ErrInvalid, phone)
	}
	if registered == !w.unregistered[phone] {
		return nil
	}
	if registered {
		delete(w.unregistered, phone)
	} else {
		w.unregistered[phone] = true
	}
	w.saveLocked()
	return nil
}
