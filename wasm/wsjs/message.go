//go:build js

package websocket

// MessageType is the type of a WebSocket data message.
type MessageType int

const (
	// MessageText is a UTF-8 text message.
	MessageText MessageType = iota + 1
	// MessageBinary is a binary message.
	MessageBinary
)
