// Package qrsvg draws a QR code as SVG: crisp at any size and pixel
// density, with no canvas and no image encoder in the wasm. The encoding
// is rsc.io/qr's (Russ Cox's, small and stable); this package only draws.
package qrsvg

import (
	"fmt"
	"html"
	"strconv"
	"strings"

	"rsc.io/qr"
)

// quiet is the blank margin, in modules, that readers need around a code.
const quiet = 4

// SVG returns text as a QR code in one <svg> element, dark modules on
// white, labelled for screen readers. Medium error correction keeps the
// code readable from a photo of a screen at an angle.
func SVG(text, label string) (string, error) {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return "", fmt.Errorf("qrsvg: encoding %d bytes: %w", len(text), err)
	}
	side := code.Size + 2*quiet
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 `)
	b.WriteString(strconv.Itoa(side) + " " + strconv.Itoa(side))
	b.WriteString(`" shape-rendering="crispEdges" role="img" aria-label="`)
	b.WriteString(html.EscapeString(label))
	b.WriteString(`"><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d="`)
	// One rectangle per run of dark modules in a row keeps the path short.
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; {
			if !code.Black(x, y) {
				x++
				continue
			}
			run := 1
			for x+run < code.Size && code.Black(x+run, y) {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x+quiet, y+quiet, run, run)
			x += run
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String(), nil
}
