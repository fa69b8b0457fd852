package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

// holdPanel is the event page's (and checkout's) view of a hold.
type holdPanel struct {
	Hold      booking.Hold
	Expired   bool
	ExpiresAt time.Time
	Seconds   int
	Currency  string
}

func newHoldPanel(h booking.Hold, e catalog.Event, now time.Time) *holdPanel {
	p := &holdPanel{Hold: h, ExpiresAt: h.ExpiresAt, Currency: e.Currency}
	switch h.Status {
	case booking.HoldActive:
		p.Seconds = int(h.ExpiresAt.Sub(now).Round(time.Second) / time.Second)
	case booking.HoldConverted:
		return p
	default:
		p.Expired = true
	}
	if p.Seconds <= 0 && h.Status == booking.HoldActive {
		p.Expired = true
	}
	return p
}

// placeHold holds what the buyer picked: seats on the map (seat=ID, one per
// seat), a block from the listing (block=IDS and quantity), or places in a
// general-admission area (section and quantity).
func (s *Server) placeHold(w http.ResponseWriter, r *http.Request) error {
	eventID := r.PathValue("id")
	back := "/events/" + url.PathEscape(eventID)
	u := s.user(r)
	if u == nil {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(back), http.StatusSeeOther)
		return nil
	}
	qty, _ := strconv.Atoi(r.PostFormValue("quantity"))
	// On an event with a waiting room, booking wants the pass the queue
	// page stored; without one it refuses, and the buyer goes to the queue.
	req := booking.HoldRequest{QueuePass: queuePass(r, eventID)}
	switch {
	case len(r.PostForm["seat"]) > 0:
		req.SeatIDs = r.PostForm["seat"]
	case r.PostFormValue("block") != "":
		ids, err := s.pickInBlock(r, eventID, strings.Split(r.PostFormValue("block"), ","), qty)
		if err != nil {
			return err
		}
		req.SeatIDs = ids
	case r.PostFormValue("section") != "":
		req.Section, req.Quantity = r.PostFormValue("section"), qty
	default:
		http.Redirect(w, r, back+"?error=pick", http.StatusSeeOther)
		return nil
	}
	h, err := s.Booking.PlaceHold(r.Context(), *u, eventID, req)
	if err != nil {
		switch apperr.CodeOf(err) {
		case apperr.SeatsUnavailable:
			http.Redirect(w, r, back+"?error=taken", http.StatusSeeOther)
			return nil
		case apperr.TicketLimitExceeded:
			http.Redirect(w, r, back+"?error=limit", http.StatusSeeOther)
			return nil
		case apperr.QueuePassRequired:
			code := "pass"
			if req.QueuePass != "" {
				code = "passbad"
				s.dropPass(w, r, eventID)
			}
			http.Redirect(w, r, back+"/queue?error="+code, http.StatusSeeOther)
			return nil
		}
		return err
	}
	http.Redirect(w, r, back+"?hold="+url.QueryEscape(h.ID)+"#hold", http.StatusSeeOther)
	return nil
}

// pickInBlock chooses qty adjacent seats of a listed block, nearest the
// middle of the row: the block is what the listing showed, the seats are
// the best of it.
func (s *Server) pickInBlock(r *http.Request, eventID string, block []string, qty int) ([]string, error) {
	if qty < 1 || qty > len(block) || len(block) > booking.MaxQuantity*5 {
		return nil, apperr.E(apperr.Invalid, "choose between 1 and %d tickets for these seats", len(block))
	}
	p, err := s.Booking.Plan(r.Context(), eventID)
	if err != nil {
		return nil, err
	}
	score := func(id string) int64 {
		n := seatNo(id)
		if n < 1 || n > int64(len(p.Seats)) {
			return 1 << 40
		}
		return p.Seats[n-1].Score
	}
	best, bestSum := 0, int64(-1)
	for start := 0; start+qty <= len(block); start++ {
		var sum int64
		for _, id := range block[start : start+qty] {
			sum += score(id)
		}
		if bestSum < 0 || sum < bestSum {
			best, bestSum = start, sum
		}
	}
	return block[best : best+qty], nil
}

func (s *Server) releaseHold(w http.ResponseWriter, r *http.Request) error {
	u, err := s.requireUser(r)
	if err != nil {
		return err
	}
	h, err := s.Booking.Hold(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := s.Booking.ReleaseHold(r.Context(), u, h.ID); err != nil {
		return err
	}
	http.Redirect(w, r, "/events/"+url.PathEscape(h.EventID)+"?error=released", http.StatusSeeOther)
	return nil
}
