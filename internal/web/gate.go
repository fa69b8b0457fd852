package web

import (
	"net/http"
	"strings"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
)

// gateResult is the answer shown after a scan: big green or big red.
type gateResult struct {
	OK      bool
	Title   string
	Detail  string
	Ticket  *booking.Ticket
	Event   string
	Barcode string
}

func (s *Server) requireStaff(r *http.Request) (account.User, error) {
	u, err := s.requireUser(r)
	if err != nil {
		return u, err
	}
	if !u.CanCheckIn() {
		return u, apperr.E(apperr.Forbidden, "the gate is for staff")
	}
	return u, nil
}

func (s *Server) gatePage(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.requireStaff(r); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "gate", view{Title: "Gate", Scripts: []string{"gate.js"}, Data: (*gateResult)(nil)})
	return nil
}

// checkIn scans one barcode: typed, pasted, or typed by a USB scanner that
// acts as a keyboard and ends with Enter.
func (s *Server) checkIn(w http.ResponseWriter, r *http.Request) error {
	u, err := s.requireStaff(r)
	if err != nil {
		return err
	}
	code := strings.TrimSpace(r.PostFormValue("barcode"))
	res := &gateResult{Barcode: code}
	t, err := s.Booking.CheckIn(r.Context(), u, code)
	switch {
	case err == nil:
		res.OK, res.Title, res.Ticket = true, "Welcome in", &t
		if e, err := s.Catalog.Event(r.Context(), t.EventID); err == nil {
			res.Event = e.Name
		}
	case apperr.Is(err, apperr.AlreadyCheckedIn):
		_, msg := message(err)
		res.Title, res.Detail = "Already scanned", msg
	case apperr.Is(err, apperr.InvalidBarcode), apperr.Is(err, apperr.Invalid):
		_, msg := message(err)
		res.Title, res.Detail = "Not valid", msg
	default:
		return err
	}
	status := http.StatusOK
	if !res.OK {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "gate", view{Title: "Gate", Scripts: []string{"gate.js"}, Data: res})
	return nil
}
