package web

import (
	"net/http"
	"net/url"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/notify"
)

// requireAdmin returns the signed-in organizer, or an error: sign in first,
// or Forbidden for anyone else.
func (s *Server) requireAdmin(r *http.Request) (account.User, error) {
	u, err := s.requireUser(r)
	if err != nil {
		return u, err
	}
	if !u.IsAdmin() {
		return u, apperr.E(apperr.Forbidden, "this page is for organizers")
	}
	return u, nil
}

// systemAdmin is who a live sales feed reads as; only admins subscribe.
func systemAdmin() account.User { return account.User{ID: "web-live", Role: account.RoleAdmin} }

type adminData struct {
	Events []catalog.Event
	Venues []catalog.Venue
	// Outbox says whether the site shows undelivered messages (Dead).
	Outbox bool
	Dead   []notify.Message
	// Mailbox says whether the developer mailbox is on, to link to it.
	Mailbox bool
}

func (s *Server) adminPage(w http.ResponseWriter, r *http.Request) error {
	u, err := s.requireAdmin(r)
	if err != nil {
		return err
	}
	es, _, err := s.Catalog.Events(r.Context(), catalog.EventSearch{Limit: 200})
	if err != nil {
		return err
	}
	vs, err := s.Catalog.Venues(r.Context(), "", nil, 0)
	if err != nil {
		return err
	}
	d := adminData{Events: es, Venues: vs, Outbox: s.Notify != nil, Mailbox: s.Mailbox != nil}
	if d.Outbox {
		if d.Dead, err = s.deadMessages(r, u); err != nil {
			return err
		}
	}
	v := view{Title: "Organizer", Data: d}
	v.Notice = adminNotice(r.URL.Query().Get("notice"))
	s.render(w, r, http.StatusOK, "admin", v)
	return nil
}

func adminNotice(code string) string {
	switch code {
	case "venue":
		return "Venue created. Now create an event there."
	case "event":
		return "Event created and on sale at its on-sale time."
	case "saved":
		return "Changes saved."
	case "cancelled":
		return "The event was cancelled: holds released and every paid order refunded."
	case "resent":
		return "The message is due again: it goes out within a few seconds."
	case "not-dead":
		return "That message is no longer undelivered: it was already sent again."
	}
	return ""
}

// refundOrder refunds an order (admin) and shows it again.
func (s *Server) refundOrder(w http.ResponseWriter, r *http.Request) error {
	u, err := s.requireAdmin(r)
	if err != nil {
		return err
	}
	o, err := s.Booking.Refund(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return err
	}
	back := "/orders/" + url.PathEscape(o.ID) + "?notice=refunded"
	if from := r.PostFormValue("back"); from == "sales" {
		back = "/admin/events/" + url.PathEscape(o.EventID) + "/sales?notice=refunded"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// cancelEvent cancels an event: sales stop, holds are released and every
// paid order is refunded.
func (s *Server) cancelEvent(w http.ResponseWriter, r *http.Request) error {
	u, err := s.requireAdmin(r)
	if err != nil {
		return err
	}
	if r.PostFormValue("confirm") != "yes" {
		return apperr.E(apperr.Invalid, "tick the box to confirm the cancellation")
	}
	e, err := s.Booking.CancelEvent(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/events/"+url.PathEscape(e.ID)+"/sales?notice=cancelled", http.StatusSeeOther)
	return nil
}
