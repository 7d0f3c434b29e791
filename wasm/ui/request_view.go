package ui

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/api"
	"github.com/waprivacy/waprivacy/wasm/i18n"
)

// RequestView shows the Z-API (or RyzeAPI) request that makes the same
// change, ready to copy into one's own code.
type RequestView struct {
	app.Compo
	Lang    i18n.Lang
	ID      string
	Request api.Request
	OK      bool
	copied  string // the text last put on the clipboard
}

// RequestText is a request as the view shows and copies it: the method
// and path, the JSON content type, and the body, indented.
func RequestText(r api.Request) string {
	var b strings.Builder
	b.WriteString(r.Method + " " + r.Path + "\nContent-Type: application/json\n")
	if len(r.Body) > 0 {
		var body bytes.Buffer
		if json.Indent(&body, r.Body, "", "  ") != nil {
			body.Reset()
			body.Write(r.Body)
		}
		b.WriteString("\n" + body.String() + "\n")
	}
	return b.String()
}

func (v *RequestView) Render() app.UI {
	l := v.Lang
	if !v.OK {
		return app.P().ID(v.ID).Class("hint request-none").Text(l.T("request.none"))
	}
	vocabulary := "Z-API"
	if strings.HasPrefix(v.Request.Path, "/profile/") {
		vocabulary = "RyzeAPI"
	}
	text := RequestText(v.Request)
	return app.Details().ID(v.ID).Class("request").Body(
		app.Summary().Text(l.F("request.summary", vocabulary)),
		app.Pre().ID(v.ID+"-text").Class("request-text").TabIndex(0).Aria("label", l.F("request.label", vocabulary)).Text(text),
		app.Div().Class("actions").Body(
			app.Button().Type("button").Class("button button-quiet").Text(l.T("request.copy")).OnClick(v.copy),
			// Only while the request shown is the one copied: another
			// choice changes the text, not the clipboard.
			app.If(v.copied == text, func() app.UI { return app.Span().Class("hint").Role("status").Text(l.T("request.copied")) }),
		),
		app.P().Class("hint").Text(l.T("request.where")),
	)
}

// copy puts the request shown on the clipboard, or, where the browser
// offers no clipboard (an insecure context) or refuses to write to it (the
// page is not focused, the permission was denied), selects it for the
// person to copy.
func (v *RequestView) copy(ctx app.Context, e app.Event) {
	pre := app.Window().GetElementByID(v.ID + "-text")
	if !pre.Truthy() {
		return
	}
	text := pre.Get("textContent").String()
	selectText := func() { app.Window().Call("getSelection").Call("selectAllChildren", pre) }
	clipboard := app.Window().Get("navigator").Get("clipboard")
	if !clipboard.Truthy() {
		selectText()
		return
	}
	// writeText answers with a promise: "Copied." only once it kept it.
	var written, refused app.Func
	settle := func(copied string) {
		written.Release()
		refused.Release()
		ctx.Dispatch(func(app.Context) {
			v.copied = copied
			if copied == "" {
				selectText()
			}
		})
	}
	written = app.FuncOf(func(app.Value, []app.Value) any { settle(text); return nil })
	refused = app.FuncOf(func(app.Value, []app.Value) any { settle(""); return nil })
	clipboard.Call("writeText", text).Call("then", written, refused)
}
