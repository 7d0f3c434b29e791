//go:build !waemu

package emutrust

// Enabled reports whether this build trusts the emulator: false here,
// without the waemu tag, so whatsmeow keeps WhatsApp's real root.
const Enabled = false
