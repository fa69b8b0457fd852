package httpapi

import (
	"net/http"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
)

func (s *Server) myTickets(w http.ResponseWriter, r *http.Request, by account.User) error {
	lq, _, err := listQuery(r)
	if err != nil {
		return err
	}
	ts, err := s.Booking.Tickets(r.Context(), by, lq)
	if err != nil {
		return err
	}
	ts, next := nextCursor(ts, lq.Limit-1, func(t booking.Ticket) (time.Time, string) { return t.CreatedAt, t.ID })
	writeJSON(w, http.StatusOK, map[string]any{"tickets": ts, "next_cursor": next})
	return nil
}

func (s *Server) getTicket(w http.ResponseWriter, r *http.Request, by account.User) error {
	t, err := s.Booking.Ticket(r.Context(), by, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"ticket": t})
	return nil
}

// checkinResponse is what a gate scanner shows.
type checkinResponse struct {
	TicketID    string     `json:"ticket_id"`
	EventID     string     `json:"event_id"`
	Status      string     `json:"status"`
	Section     string     `json:"section"`
	Row         *string    `json:"row"`
	Number      *int       `json:"number"`
	CheckedInAt *time.Time `json:"checked_in_at"`
}

func (s *Server) checkIn(w http.ResponseWriter, r *http.Request, by account.User) error {
	var in struct {
		Barcode string `json:"barcode"`
		// EventID, when given, ties the scan to the event the gate is
		// for: a ticket for another is 422 wrong_event.
		EventID *string `json:"event_id"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	eventID := ""
	if in.EventID != nil {
		if eventID = *in.EventID; eventID == "" {
			var f apperr.Fields
			f.Add("event_id", "must not be empty (leave it out to admit a ticket of any event)")
			return f.Err()
		}
	}
	t, err := s.Booking.CheckInFor(r.Context(), by, in.Barcode, eventID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, checkinResponse{TicketID: t.ID, EventID: t.EventID, Status: "checked_in", Section: t.Section,
		Row: t.Row, Number: t.Number, CheckedInAt: t.CheckedInAt})
	return nil
}

// checkinCount is who is in at an event: GET /events/{id}/checkins.
func (s *Server) checkinCount(w http.ResponseWriter, r *http.Request, by account.User) error {
	c, err := s.Booking.GateCount(r.Context(), by, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) sales(w http.ResponseWriter, r *http.Request, by account.User) error {
	sa, err := s.Booking.Sales(r.Context(), by, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sa)
	return nil
}
