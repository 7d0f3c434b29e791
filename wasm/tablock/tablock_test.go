package tablock

import (
	"errors"
	"testing"
)

func TestSecondAcquireIsRefusedUntilRelease(t *testing.T) {
	first, err := Acquire("tablock-test")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire("tablock-test")
	if !errors.Is(err, ErrHeld) {
		t.Fatalf("second Acquire: %v, want ErrHeld", err)
	}
	if err.Error() != "the session is open in another tab" {
		t.Errorf("the refusal reads %q", err)
	}
	other, err := Acquire("tablock-test-other")
	if err != nil {
		t.Fatalf("a different name: %v", err)
	}
	other.Release()

	first.Release()
	first.Release() // harmless
	again, err := Acquire("tablock-test")
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	again.Release()
}
