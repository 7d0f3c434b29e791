package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/i18n"
)

// NavBar links the app's sections.
type NavBar struct {
	app.Compo
	Lang   i18n.Lang
	Active string
}

func (n *NavBar) Render() app.UI {
	return app.Nav().Class("nav").Aria("label", n.Lang.T("nav.label")).Body(
		app.Ul().Body(
			app.Range(Sections()).Slice(func(i int) app.UI {
				path := Sections()[i]
				a := app.A().Href(path).Text(n.Lang.T("nav." + path))
				if path == n.Active {
					a = a.Aria("current", "page")
				}
				return app.Li().Body(a)
			}),
		),
	)
}
