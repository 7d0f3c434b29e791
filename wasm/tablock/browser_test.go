//go:build browser && !js

package tablock

import (
	"testing"

	"github.com/waprivacy/waprivacy/wasm/internal/chromiumtest"
)

// TestBrowserWebLocks runs this package's tests with navigator.locks
// in headless Chromium.
func TestBrowserWebLocks(t *testing.T) {
	chromiumtest.RunPackageTests(t)
}
