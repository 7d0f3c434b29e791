package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/waprivacy/waprivacy/wasm/qrsvg"
)

// QRCode draws Text as a QR code.
type QRCode struct {
	app.Compo
	Text  string
	Label string
}

func (q *QRCode) Render() app.UI {
	svg, err := qrsvg.SVG(q.Text, q.Label)
	if err != nil {
		return app.P().ID("qr").Class("error").Text(err.Error())
	}
	return app.Div().ID("qr").Class("qr").Body(app.Raw(svg))
}
