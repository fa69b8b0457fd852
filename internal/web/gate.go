package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

// gatePermissions is the gate's Permissions-Policy: the site's, with the
// camera allowed to this origin, so staff can scan with a phone's camera.
// Every other page keeps the camera off.
const gatePermissions = "geolocation=(self), camera=(self), microphone=()"

// gateListBack is how long after its start an event stays in the gate's
// list: the doors stay open well into the show, and latecomers arrive.
const gateListBack = 12 * time.Hour

// gateData is the gate page: the event being worked (chosen in the URL,
// ?event=ID, so a refresh or a second phone keeps it) with its count, or
// the list to choose from, and the answer to the last scan.
type gateData struct {
	Event  *catalog.Event
	Count  *booking.GateCount
	Events []catalog.Event
	// Missing is an event id in the URL that names no event.
	Missing bool
	Result  *gateResult
}

// gateResult is the answer shown after a scan: big green or big red.
type gateResult struct {
	OK     bool
	Title  string
	Detail string
	// When is the time of the first scan, on a repeat scan.
	When string
	// Seat is where the holder sits, on a welcome and on a repeat scan.
	Seat string
	// Other is the event a ticket for another event is for.
	Other   string
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
	u, err := s.requireStaff(r)
	if err != nil {
		return err
	}
	d, err := s.gateEvent(r, u, r.URL.Query().Get("event"))
	if err != nil {
		return err
	}
	status := http.StatusOK
	if d.Missing {
		status = http.StatusNotFound
	}
	s.renderGate(w, r, status, d)
	return nil
}

// gateEvent reads the chosen event and its count, or, with none chosen
// (or one that does not exist), the events to choose from.
func (s *Server) gateEvent(r *http.Request, u account.User, id string) (*gateData, error) {
	d := &gateData{}
	if id != "" {
		e, err := s.Catalog.Event(r.Context(), id)
		switch {
		case err == nil:
			d.Event = &e
			c, err := s.Booking.GateCount(r.Context(), u, id)
			if err != nil {
				return nil, err
			}
			d.Count = &c
			return d, nil
		case apperr.Is(err, apperr.NotFound):
			d.Missing = true
		default:
			return nil, err
		}
	}
	es, _, err := s.Catalog.Events(r.Context(), catalog.EventSearch{From: s.Clock.Now().Add(-gateListBack), Limit: 100})
	if err != nil {
		return nil, err
	}
	for _, e := range es {
		if e.Status != catalog.StatusCancelled {
			d.Events = append(d.Events, e)
		}
	}
	return d, nil
}

// gateCountPart answers the chosen event's count alone. The page asks for
// it every few seconds: other gates of the same event scan too, and staff
// at a door want the whole event's figure, not their own phone's.
func (s *Server) gateCountPart(w http.ResponseWriter, r *http.Request) error {
	u, err := s.requireStaff(r)
	if err != nil {
		return err
	}
	id := r.URL.Query().Get("event")
	if id == "" {
		var f apperr.Fields
		f.Add("event", "is required")
		return f.Err()
	}
	c, err := s.Booking.GateCount(r.Context(), u, id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	s.renderTemplate(w, r, http.StatusOK, "gate", "gate-count", view{Data: &gateData{Count: &c}})
	return nil
}

func (s *Server) renderGate(w http.ResponseWriter, r *http.Request, status int, d *gateData) {
	w.Header().Set("Permissions-Policy", gatePermissions)
	v := view{Title: "Gate", Scripts: []string{"gate.js"}, Data: d}
	// The camera scanner posts with fetch and swaps in the answer alone,
	// so that the camera keeps running between scans.
	if r.Method == http.MethodPost && r.Header.Get("X-Gate-Fetch") == "1" {
		// Every verdict is a 200 to the script; an event gone from under
		// the page is a 404, which it tells staff to reload for.
		partStatus := http.StatusOK
		if d.Missing {
			partStatus = http.StatusNotFound
		}
		s.renderTemplate(w, r, partStatus, "gate", "gate-result", v)
		return
	}
	s.render(w, r, status, "gate", v)
}

// checkIn scans one barcode: typed, pasted, typed by a USB scanner that
// acts as a keyboard and ends with Enter, or read by the camera. With an
// event chosen, a ticket for another event is refused.
func (s *Server) checkIn(w http.ResponseWriter, r *http.Request) error {
	u, err := s.requireStaff(r)
	if err != nil {
		return err
	}
	eventID := r.URL.Query().Get("event")
	if eventID == "" {
		eventID = r.PostFormValue("event")
	}
	code := strings.TrimSpace(r.PostFormValue("barcode"))
	res := &gateResult{Barcode: code}
	t, err := s.Booking.CheckInFor(r.Context(), u, code, eventID)
	switch {
	case err == nil:
		res.OK, res.Title, res.Seat = true, "Welcome in", booking.SeatLine(t)
		if eventID == "" {
			if e, err := s.Catalog.Event(r.Context(), t.EventID); err == nil {
				res.Detail = e.Name
			}
		}
	case apperr.Is(err, apperr.AlreadyCheckedIn):
		res.Title = "Already scanned"
		if e, ok := apperr.As(err); ok && e.Scan != nil && e.Scan.CheckedInAt != nil {
			at := catalog.InZone(*e.Scan.CheckedInAt, e.Scan.Timezone)
			res.When = "at " + at.Format("3:04:05 PM MST")
			res.Seat = booking.SeatLine(booking.Ticket{Section: e.Scan.Section, Row: e.Scan.Row, Number: e.Scan.Number})
		} else {
			_, res.Detail = message(err)
		}
	case apperr.Is(err, apperr.WrongEvent):
		res.Title = "Wrong event"
		if e, ok := apperr.As(err); ok && e.Scan != nil {
			res.Other = e.Scan.TicketEventName
			res.Detail = "This ticket is for " + e.Scan.TicketEventName
			if at := e.Scan.TicketEventStartsAt; at != nil {
				res.Detail += " · " + localTime(*at, e.Scan.Timezone)
			}
			if e.Scan.TicketVenueName != "" {
				res.Detail += " · " + e.Scan.TicketVenueName
			}
		}
	case apperr.Is(err, apperr.Invalid) && eventID != "":
		// The event in the URL is gone: say so and offer the list.
		d, gerr := s.gateEvent(r, u, eventID)
		if gerr != nil {
			return gerr
		}
		s.renderGate(w, r, http.StatusNotFound, d)
		return nil
	case apperr.Is(err, apperr.InvalidBarcode), apperr.Is(err, apperr.Invalid):
		_, msg := message(err)
		res.Title, res.Detail = "Not valid", msg
	default:
		return err
	}
	d, err := s.gateEvent(r, u, eventID)
	if err != nil {
		return err
	}
	d.Result = res
	status := http.StatusOK
	if !res.OK {
		status = http.StatusUnprocessableEntity
	}
	s.renderGate(w, r, status, d)
	return nil
}
