package httpapi

import (
	"net/http"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/booking"
)

func (s *Server) createHold(w http.ResponseWriter, r *http.Request, by account.User) error {
	var in booking.HoldRequest
	if err := decode(w, r, &in); err != nil {
		return err
	}
	in.QueuePass = r.Header.Get("X-Queue-Pass")
	h, err := s.Booking.PlaceHold(r.Context(), by, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"hold": h})
	return nil
}

func (s *Server) getHold(w http.ResponseWriter, r *http.Request, by account.User) error {
	h, err := s.Booking.Hold(r.Context(), by, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"hold": h})
	return nil
}

func (s *Server) releaseHold(w http.ResponseWriter, r *http.Request, by account.User) error {
	if err := s.Booking.ReleaseHold(r.Context(), by, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
