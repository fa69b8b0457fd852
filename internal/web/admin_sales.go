package web

import (
	"context"
	"net/http"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/queue"
)

type salesData struct {
	Event  catalog.Event
	Sales  booking.Sales
	Orders []booking.Order
	// Queue is the waiting room's figures; nil when it is off.
	Queue *queue.Info
	// Verify is the command anyone can check the draw with.
	Verify string
}

// salesFigures is what the live sales feed sends: the sales, and the
// waiting room's figures when it is on, so one stream keeps both live.
type salesFigures struct {
	booking.Sales
	Queue *queue.Info `json:"queue,omitempty"`
}

// salesPage shows an event's figures, kept live by admin.js over the
// sales stream, and its recent orders with a refund button each.
func (s *Server) salesPage(w http.ResponseWriter, r *http.Request) error {
	u, err := s.requireAdmin(r)
	if err != nil {
		return err
	}
	e, err := s.Catalog.Event(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	sales, err := s.Booking.Sales(r.Context(), u, e.ID)
	if err != nil {
		return err
	}
	os, err := s.Booking.Orders(r.Context(), u, true, booking.ListQuery{EventID: e.ID, Limit: 100, NoFailed: true})
	if err != nil {
		return err
	}
	qi, err := s.queueInfo(r.Context(), e.ID)
	if err != nil {
		return err
	}
	d := salesData{Event: e, Sales: sales, Orders: os, Queue: qi, Verify: verifyCommand(r, e.ID)}
	v := view{Title: "Sales: " + e.Name, Scripts: []string{"sales.js"}, Data: d}
	if n := r.URL.Query().Get("notice"); n == "refunded" {
		v.Notice = "Order refunded."
	} else {
		v.Notice = adminNotice(n)
	}
	s.render(w, r, http.StatusOK, "sales", v)
	return nil
}

// queueInfo is the event's waiting room, or nil when it has none (or this
// site runs none). Reading it for the first time sets the room up, so its
// commitment is public from the moment the organizer turns it on.
func (s *Server) queueInfo(ctx context.Context, eventID string) (*queue.Info, error) {
	if s.Queue == nil {
		return nil, nil
	}
	info, err := s.Queue.Info(ctx, eventID)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &info, nil
}
