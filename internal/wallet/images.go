package wallet

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
)

// passImages are the icon and logo every pass carries (Wallet refuses a
// pass without icon.png). They are drawn in code, once per signer, so the
// binary needs no image assets: a yellow ticket with notched sides on the
// pass's slate, in the sizes Wallet asks for.
func passImages() []namedFile {
	return []namedFile{
		{"icon.png", drawMark(29, 29)},
		{"icon@2x.png", drawMark(58, 58)},
		{"logo.png", drawMark(50, 50)},
		{"logo@2x.png", drawMark(100, 100)},
	}
}

func drawMark(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	bg := color.NRGBA{R: 30, G: 41, B: 59, A: 255}
	fg := color.NRGBA{R: 250, G: 204, B: 21, A: 255}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := bg
			// A ticket: a yellow band with a notch cut in each side.
			inBand := y > h/4 && y < h*3/4 && x > w/8 && x < w*7/8
			dx, dy := min(x-w/8, w*7/8-x), y-h/2
			notch := dx*dx+dy*dy < (h/8)*(h/8)
			if inBand && !notch {
				c = fg
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}
