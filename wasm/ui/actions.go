// Package ui holds the app's go-app components, one per file. Components
// emit actions and observe state; the handlers that do I/O live with the
// program (cmd/app).
package ui

// Actions components emit.
const (
	// ActionStartSession asks for the WhatsApp session to start.
	ActionStartSession = "session/start"
)

// State keys components observe.
const (
	// StateSession holds the latest session.Status.
	StateSession = "session/status"
)
