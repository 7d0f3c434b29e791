package qrsvg

import (
	"image"
	"image/color"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// raster draws the SVG's rectangles at scale pixels per module, as a
// browser would.
func raster(t *testing.T, svg string, scale int) image.Image {
	t.Helper()
	side := regexp.MustCompile(`viewBox="0 0 (\d+) `).FindStringSubmatch(svg)
	if side == nil {
		t.Fatalf("no viewBox in %.80s", svg)
	}
	n, _ := strconv.Atoi(side[1])
	img := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for _, m := range regexp.MustCompile(`M(\d+) (\d+)h(\d+)`).FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		for py := y * scale; py < (y+1)*scale; py++ {
			for px := x * scale; px < (x+w)*scale; px++ {
				img.Set(px, py, color.Gray{})
			}
		}
	}
	return img
}

func TestSVGDecodesBackToTheText(t *testing.T) {
	// The shape of whatsmeow's pairing payload: ref, keys, adv secret.
	text := "2@" + strings.Repeat("Ab3+/x", 14) + "," + strings.Repeat("K9z=", 11) + "," + strings.Repeat("Qw8/", 11) + "," + strings.Repeat("Zp4+", 11)
	svg, err := SVG(text, `Scan "this" <code>`)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(svg, "<svg") || !strings.HasSuffix(svg, "</svg>") {
		t.Errorf("not one svg element: %.60s…", svg)
	}
	if !strings.Contains(svg, `aria-label="Scan &#34;this&#34; &lt;code&gt;"`) {
		t.Errorf("the label is not escaped: %.300s", svg)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(raster(t, svg, 4))
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("the drawn code does not decode: %v", err)
	}
	if res.GetText() != text {
		t.Errorf("decoded %q, want %q", res.GetText(), text)
	}
}

func TestSVGRefusesTextTooLongForAQRCode(t *testing.T) {
	if _, err := SVG(strings.Repeat("x", 5000), "too long"); err == nil {
		t.Error("5000 bytes were encoded")
	}
}
