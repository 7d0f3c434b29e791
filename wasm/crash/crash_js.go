//go:build js

package crash

import (
	"fmt"
	"strings"
	"syscall/js"
)

// ElementID is the id of the error shown over the page.
const ElementID = "waprivacy-crash"

// show puts the report on the console and, once, an error over the page
// with a Reload button. It builds the element itself rather than through
// go-app, whose state the panic may have left broken, and appends it to
// the document's root element, outside the body go-app renders. Should the
// whole program end later, web/app.js replaces it with its own.
func show(r Report) {
	console(r)
	defer func() { _ = recover() }() // a page without a document
	doc := js.Global().Get("document")
	if !doc.Truthy() || doc.Call("getElementById", ElementID).Truthy() {
		return
	}
	t := texts(doc.Get("documentElement").Get("lang").String())
	el := func(tag, text string) js.Value {
		e := doc.Call("createElement", tag)
		if text != "" {
			e.Set("textContent", text)
		}
		return e
	}
	box := el("div", "")
	box.Set("id", ElementID)
	box.Set("className", "banner banner-warn crash")
	box.Call("setAttribute", "role", "alert")
	style := box.Get("style")
	for k, v := range map[string]string{
		"position": "fixed", "left": "0", "right": "0", "bottom": "0", "zIndex": "2147483647",
		"margin": "0", "padding": "1rem", "background": "#fff3cd", "color": "#3b2c00",
		"borderTop": "2px solid #b58100", "font": "16px/1.4 system-ui, sans-serif",
	} {
		style.Set(k, v)
	}
	title := el("p", "")
	title.Call("appendChild", el("strong", t.title))
	box.Call("appendChild", title)
	box.Call("appendChild", el("p", t.hint))
	box.Call("appendChild", reloadForm(el, t.reload))
	details := el("details", "")
	details.Call("appendChild", el("summary", t.details))
	pre := el("pre", fmt.Sprintf("%s: %v", r.Where, r.Value))
	pre.Get("style").Set("whiteSpace", "pre-wrap")
	details.Call("appendChild", pre)
	box.Call("appendChild", details)
	doc.Get("documentElement").Call("appendChild", box)
}

// reloadForm is a Reload button that needs no Go: a form that loads the
// page's own URL again, so it works even once the program has stopped.
func reloadForm(el func(tag, text string) js.Value, label string) js.Value {
	loc := js.Global().Get("location")
	form := el("form", "")
	form.Set("method", "get")
	form.Set("action", loc.Get("pathname").String())
	pairs := js.Global().Get("Array").Call("from", js.Global().Get("URLSearchParams").New(loc.Get("search")))
	for i := range pairs.Length() {
		input := el("input", "")
		input.Set("type", "hidden")
		input.Set("name", pairs.Index(i).Index(0).String())
		input.Set("value", pairs.Index(i).Index(1).String())
		form.Call("appendChild", input)
	}
	button := el("button", label)
	button.Set("type", "submit")
	button.Set("className", "button")
	form.Call("appendChild", button)
	return form
}

// console writes the report with console.error, which a page script may
// have replaced with one that throws.
func console(r Report) {
	defer func() { _ = recover() }()
	js.Global().Get("console").Call("error", r.String())
}

type crashTexts struct{ title, hint, reload, details string }

func texts(lang string) crashTexts {
	if strings.HasPrefix(strings.ToLower(lang), "pt") {
		return crashTexts{
			title:   "O waprivacy parou de funcionar",
			hint:    "Uma parte do app falhou. Recarregue a página para iniciá-lo de novo; suas contas vinculadas e configurações continuam salvas.",
			reload:  "Recarregar",
			details: "Detalhes",
		}
	}
	return crashTexts{
		title:   "waprivacy stopped working",
		hint:    "Part of the app failed. Reload the page to start it again; your linked accounts and settings are kept.",
		reload:  "Reload",
		details: "Details",
	}
}
