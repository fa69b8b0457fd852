package web

import (
	"net/http"

	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

type orderData struct {
	Order   booking.Order
	Event   catalog.Event
	New     bool
	IsAdmin bool
	// Mine is whether the viewer bought the order: only then do its
	// tickets offer wallet passes (an organizer looking at a buyer's order
	// would be refused them).
	Mine bool
	// ConfirmBy says how the order's messages come, for the buyer.
	ConfirmBy string
}

// orderPage is the confirmation and receipt of an order, with its tickets.
func (s *Server) orderPage(w http.ResponseWriter, r *http.Request) error {
	u, err := s.requireUser(r)
	if err != nil {
		return err
	}
	o, err := s.Booking.Order(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return err
	}
	e, err := s.Catalog.Event(r.Context(), o.EventID)
	if err != nil {
		return err
	}
	d := orderData{Order: o, Event: e, New: r.URL.Query().Get("new") == "1", IsAdmin: u.IsAdmin(), Mine: o.UserID == u.ID, ConfirmBy: confirmText(o.ConfirmBy, o.Phone)}
	v := view{Title: "Order " + orderRef(o), Data: d}
	if n := r.URL.Query().Get("notice"); n == "refunded" {
		v.Notice = "The order was refunded; its tickets are void and the seats are on sale again."
	}
	s.render(w, r, http.StatusOK, "order", v)
	return nil
}

// ticketCard is one ticket as the "ticket" template draws it; Mine
// offers its wallet passes, which only the holder can have.
type ticketCard struct {
	booking.Ticket
	Mine bool
}

type ticketGroup struct {
	Event   catalog.Event
	Tickets []booking.Ticket
}

type ticketsData struct {
	Groups []ticketGroup
	Orders []booking.Order
	Events map[string]catalog.Event
}

// myTickets lists the buyer's valid tickets by event, and their orders.
func (s *Server) myTickets(w http.ResponseWriter, r *http.Request) error {
	u, err := s.requireUser(r)
	if err != nil {
		return err
	}
	ts, err := s.Booking.Tickets(r.Context(), u, booking.ListQuery{Limit: 200})
	if err != nil {
		return err
	}
	os, err := s.Booking.Orders(r.Context(), u, false, booking.ListQuery{Limit: 50, NoFailed: true})
	if err != nil {
		return err
	}
	d := ticketsData{Orders: os, Events: map[string]catalog.Event{}}
	index := map[string]int{}
	for _, t := range ts {
		i, ok := index[t.EventID]
		if !ok {
			e, err := s.event(r, d.Events, t.EventID)
			if err != nil {
				return err
			}
			i = len(d.Groups)
			index[t.EventID] = i
			d.Groups = append(d.Groups, ticketGroup{Event: e})
		}
		d.Groups[i].Tickets = append(d.Groups[i].Tickets, t)
	}
	for _, o := range os {
		if _, err := s.event(r, d.Events, o.EventID); err != nil {
			return err
		}
	}
	s.render(w, r, http.StatusOK, "tickets", view{Title: "My tickets", Data: d})
	return nil
}

// event reads an event once per page.
func (s *Server) event(r *http.Request, seen map[string]catalog.Event, id string) (catalog.Event, error) {
	if e, ok := seen[id]; ok {
		return e, nil
	}
	e, err := s.Catalog.Event(r.Context(), id)
	if err != nil {
		return e, err
	}
	seen[id] = e
	return e, nil
}
