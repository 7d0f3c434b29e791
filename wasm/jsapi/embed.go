package jsapi

// The widget protocol between a host page (web/widget/widget.js) and the
// app in its iframe (the /embed route), over postMessage. Every message
// is an object whose type starts with "waprivacy:".
const (
	// host → iframe: {type, id, method, path, body}
	msgRequest = "waprivacy:request"
	// host → iframe, first: {type}; the iframe then answers only this
	// window and origin.
	msgHello = "waprivacy:hello"
	// iframe → host: {type, id, status, body}
	msgResponse = "waprivacy:response"
	// iframe → host, after hello: {type, status}
	msgReady = "waprivacy:ready"
	// iframe → host: {type, event, data}
	msgEvent = "waprivacy:event"
	// iframe → host: {type, height} whenever the content's height changes
	msgResize = "waprivacy:resize"
	// iframe → host, for a hello from an origin that may not embed:
	// {type, message}; and, from an app that could not start, to an
	// origin that may: {type, reason: "failed", message}, the message
	// saying why.
	msgRefused = "waprivacy:refused"
	// iframe → parent, to any origin, once it listens: {type}; it carries
	// nothing else, and prompts the host's hello.
	msgListening = "waprivacy:listening"
)

// refusedFailed is the reason of a refusal from an app that could not
// start.
const refusedFailed = "failed"

// OriginPolicy decides which host origins may talk to the widget.
type OriginPolicy interface {
	Allows(origin string) bool
}
