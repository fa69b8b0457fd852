package web

import (
	"net/http"

	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

type salesData struct {
	Event  catalog.Event
	Sales  booking.Sales
	Orders []booking.Order
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
	os, err := s.Booking.Orders(r.Context(), u, true, booking.ListQuery{EventID: e.ID, Limit: 100})
	if err != nil {
		return err
	}
	v := view{Title: "Sales: " + e.Name, Scripts: []string{"sales.js"}, Data: salesData{Event: e, Sales: sales, Orders: os}}
	if n := r.URL.Query().Get("notice"); n == "refunded" {
		v.Notice = "Order refunded."
	} else {
		v.Notice = adminNotice(n)
	}
	s.render(w, r, http.StatusOK, "sales", v)
	return nil
}
