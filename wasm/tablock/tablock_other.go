//go:build !js

package tablock

import "sync"

var (
	mu   sync.Mutex
	held = map[string]bool{}
)

// Acquire takes the lock called name, or fails at once with ErrHeld.
func Acquire(name string) (*Lock, error) {
	mu.Lock()
	defer mu.Unlock()
	if held[name] {
		return nil, ErrHeld
	}
	held[name] = true
	return &Lock{release: func() {
		mu.Lock()
		defer mu.Unlock()
		delete(held, name)
	}}, nil
}
