package httpapi

import (
	"net/http"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
)

// seatMapForm is a form of GET /events/{id}/seats, and the key under which
// a shared snapshot keeps its encoded body.
type seatMapForm string

const (
	fullForm    seatMapForm = "full"
	compactForm seatMapForm = booking.CompactFormat
)

// seatMap serves the event's seat map from the shared snapshot, in the
// form ?format= asks: full (the default, every seat an object) or compact
// (a status string per row; see booking.CompactSeatMap). The body is
// encoded and gzipped once per snapshot, a few times a second at most.
func (s *Server) seatMap(w http.ResponseWriter, r *http.Request) error {
	q, err := queryOf(r, "format")
	if err != nil {
		return err
	}
	form := seatMapForm(q.Get("format"))
	switch form {
	case "":
		form = fullForm
	case fullForm, compactForm:
	default:
		var f apperr.Fields
		f.Add("format", "must be full or compact")
		return f.Err()
	}
	sn, err := s.Booking.SharedSnapshot(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	body := booking.View(sn, form, func(sn booking.Snapshot) *encodedBody {
		var b []byte
		if form == compactForm {
			b = sn.AppendCompactJSON(make([]byte, 0, 4*len(sn.Status)+4096))
		} else {
			b = sn.AppendJSON(make([]byte, 0, 50*len(sn.Status)+4096))
		}
		return newEncodedBody(append(b, '\n'), s.gzips)
	})
	body.serve(w, r)
	return nil
}

// offers serves blocks of exactly the quantity asked, spread over sections
// and rows, ranked from the shared snapshot (booking.Service.Offers).
func (s *Server) offers(w http.ResponseWriter, r *http.Request) error {
	q, err := queryOf(r, "quantity", "sort", "min_price_cents", "max_price_cents", "section", "limit")
	if err != nil {
		return err
	}
	var f apperr.Fields
	oq := booking.OfferQuery{Quantity: int(intParam(&f, q, "quantity", 1)), Sort: q.Get("sort"),
		MinPriceCents: intParam(&f, q, "min_price_cents", 0), MaxPriceCents: intParam(&f, q, "max_price_cents", 0),
		Section: q.Get("section"), Limit: int(intParam(&f, q, "limit", 50))}
	if oq.Limit < 1 || oq.Limit > 500 {
		f.Add("limit", "must be between 1 and 500")
	}
	if err := f.Err(); err != nil {
		return err
	}
	offers, err := s.Booking.Offers(r.Context(), r.PathValue("id"), oq)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"offers": offers})
	return nil
}
