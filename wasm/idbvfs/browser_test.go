//go:build browser && !js

package idbvfs

import (
	"testing"

	"github.com/waprivacy/waprivacy/wasm/internal/chromiumtest"
)

// TestBrowserVFSOnIndexedDB runs this package's tests, the IndexedDB ones
// included, in headless Chromium.
func TestBrowserVFSOnIndexedDB(t *testing.T) {
	chromiumtest.RunPackageTests(t)
}
