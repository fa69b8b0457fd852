package web

import (
	"fmt"
	"net/http"
	"strings"

	"rsc.io/qr"
)

// qrSVG draws text as a QR code in SVG: one path of dark modules with the
// four-module quiet zone scanners need. Level M survives a scuffed phone
// screen and keeps a Boxoffice barcode at version 5 or so.
func qrSVG(text string) ([]byte, error) {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	const quiet = 4
	n := code.Size + 2*quiet
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; x++ {
			if !code.Black(x, y) {
				continue
			}
			// Join a run of dark modules into one rectangle.
			run := 1
			for x+run < code.Size && code.Black(x+run, y) {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x+quiet, y+quiet, run, run)
			x += run - 1
		}
	}
	b.WriteString(`"/></svg>`)
	return []byte(b.String()), nil
}

// ticketQR serves a ticket's barcode as a QR code, to its owner or an admin.
func (s *Server) ticketQR(w http.ResponseWriter, r *http.Request) error {
	u, err := s.requireUser(r)
	if err != nil {
		return err
	}
	t, err := s.Booking.Ticket(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return err
	}
	svg, err := qrSVG(t.Barcode)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, _ = w.Write(svg)
	return nil
}
