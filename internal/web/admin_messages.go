package web

import (
	"net/http"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/notify"
)

// deadShown is how many undelivered messages the organizer page lists,
// the newest first; the API lists them all.
const deadShown = 50

// deadMessages are the messages given up on (attempts used up, or refused
// for good), for the organizer page: each one a buyer who has not heard
// from us, until an admin fixes the cause and sends it again.
func (s *Server) deadMessages(r *http.Request, u account.User) ([]notify.Message, error) {
	return s.Notify.Messages(r.Context(), u, notify.Query{Status: notify.StatusDead, Limit: deadShown})
}

// retryMessage sends a dead message again and goes back to the organizer
// page. A second click on the same button finds it no longer dead: that
// is said on the page, not shown as an error.
func (s *Server) retryMessage(w http.ResponseWriter, r *http.Request) error {
	u, err := s.requireAdmin(r)
	if err != nil {
		return err
	}
	notice := "resent"
	if err := s.Notify.Retry(r.Context(), u, r.PathValue("id")); apperr.Is(err, apperr.Conflict) {
		notice = "not-dead"
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin?notice="+notice+"#messages", http.StatusSeeOther)
	return nil
}

// messageKind names a kind of message for people.
func messageKind(kind string) string {
	switch kind {
	case notify.KindOrderConfirmed:
		return "Order confirmation"
	case notify.KindOrderRefunded:
		return "Refund notice"
	case notify.KindEventCancelled:
		return "Cancellation notice"
	case "":
		return "Message"
	}
	return kind
}
