// Package api answers Z-API's and RyzeAPI's privacy requests with the
// privacy engine, in their own request and response shapes, so code
// written for either service drives this app unchanged. It is the layer
// under the in-page JavaScript API and the widget.
package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/waprivacy/waprivacy/wasm/engine"
)

// Request is one API call, as an HTTP request would carry it.
type Request struct {
	Method string
	// Path may carry a query, e.g. "/privacy/read-receipts?value=enable".
	Path string
	Body []byte
}

// Response is the answer: an HTTP status and a JSON-encodable body.
type Response struct {
	Status int `json:"status"`
	Body   any `json:"body"`
}

// API routes requests to the engine of the account in use.
type API struct {
	// engine returns the current account's engine, or nil while no
	// account is linked and connected.
	engine func() *engine.Engine
}

// New returns an API over the engine that current returns at each call.
func New(current func() *engine.Engine) *API { return &API{engine: current} }

// call is one routed request.
type call struct {
	ctx    context.Context
	engine *engine.Engine
	path   string
	query  url.Values
	body   []byte
}

// route is one endpoint.
type route struct {
	method  string
	handler func(c call) Response
}

// routes maps each path to its endpoint: Z-API's privacy section and
// modify-blocked, and RyzeAPI's privacy read and update.
var routes = map[string]route{
	"/privacy/disallowed-contacts": {http.MethodGet, disallowedContacts},
	"/privacy/last-seen":           {http.MethodPost, visibility},
	"/privacy/photo":               {http.MethodPost, visibility},
	"/privacy/description":         {http.MethodPost, visibility},
	"/privacy/group-add":           {http.MethodPost, visibility},
	"/privacy/online":              {http.MethodPost, visibility},
	"/privacy/read-receipts":       {http.MethodPost, readReceipts},
	"/privacy/messages-duration":   {http.MethodPost, messagesDuration},
	"/contacts/modify-blocked":     {http.MethodPost, modifyBlocked},
}

// ryzePath is RyzeAPI's privacy endpoint; GET reads, POST updates.
const ryzePath = "/profile/privacy"

// Do answers one request. It never panics and always returns a status and
// a body.
func (a *API) Do(ctx context.Context, req Request) Response {
	u, err := url.Parse(req.Path)
	if err != nil || !strings.HasPrefix(u.Path, "/") {
		return fail(http.StatusNotFound, "Unknown path: "+req.Path)
	}
	path := strings.TrimSuffix(u.Path, "/")
	method := strings.ToUpper(req.Method)

	var handler func(call) Response
	if path == ryzePath {
		switch method {
		case http.MethodGet:
			handler = ryzeGet
		case http.MethodPost:
			handler = ryzeUpdate
		default:
			return fail(http.StatusMethodNotAllowed, "Method "+method+" is not allowed for "+path+"; use GET or POST")
		}
	} else {
		r, ok := routes[path]
		if !ok {
			return fail(http.StatusNotFound, "Unknown path: "+path)
		}
		if method != r.method {
			return fail(http.StatusMethodNotAllowed, "Method "+method+" is not allowed for "+path+"; use "+r.method)
		}
		handler = r.handler
	}
	// A nil engine (no account connected) still validates the request, so
	// bad input gets its 400 before a 503.
	// The journal records that these updates came through the API.
	ctx = engine.WithSource(ctx, "api")
	return handler(call{ctx: ctx, engine: a.engine(), path: path, query: u.Query(), body: req.Body})
}

// success is Z-API's answer to a change.
func success() Response {
	return Response{Status: http.StatusOK, Body: map[string]bool{"success": true}}
}

// errorBody is RyzeAPI's error envelope, plus every invalid field and, for
// a failed update, what happened to each part.
type errorBody struct {
	Success  bool             `json:"success"`
	Error    errorMessage     `json:"error"`
	Errors   []fieldError     `json:"errors,omitempty"`
	Outcomes []engine.Outcome `json:"outcomes,omitempty"`
	// Recovering says that what the update changed is not known yet: it
	// is checked, and a partial change undone, once the account is
	// connected; the outcomes are what was known when it was cut short.
	Recovering bool `json:"recovering,omitempty"`
}

type errorMessage struct {
	Message string `json:"message"`
}

type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func fail(status int, message string) Response {
	return Response{Status: status, Body: errorBody{Error: errorMessage{message}}}
}

// fromError answers an engine failure with its status and words.
func fromError(err error) Response {
	var e *engine.Error
	if !errors.As(err, &e) {
		return fail(http.StatusInternalServerError, err.Error())
	}
	body := errorBody{Error: errorMessage{e.Message}, Outcomes: e.Outcomes, Recovering: e.Recovering}
	for _, f := range e.Fields {
		body.Errors = append(body.Errors, fieldError(f))
	}
	return Response{Status: e.Status, Body: body}
}

// invalid answers a request whose fields are wrong, listing them all.
func invalid(fields []fieldError) Response {
	return Response{Status: http.StatusBadRequest, Body: errorBody{Error: errorMessage{fields[0].Message}, Errors: fields}}
}
