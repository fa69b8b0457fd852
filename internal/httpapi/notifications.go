package httpapi

import (
	"net/http"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/notify"
)

// notification is an outbox message as admins see it: where it stands and
// why it failed, never its body (which is composed only when it is sent).
type notification struct {
	ID        string     `json:"id"`
	Channel   string     `json:"channel"`
	To        string     `json:"to"`
	Kind      string     `json:"kind"`
	OrderID   *string    `json:"order_id"`
	Status    string     `json:"status"`
	Attempts  int        `json:"attempts"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at"`
	DeadAt    *time.Time `json:"dead_at"`
	LastError *string    `json:"last_error"`
}

func notificationOf(m notify.Message) notification {
	n := notification{ID: m.ID, Channel: m.Channel, To: m.To, Kind: m.Kind, Status: m.Status(), Attempts: m.Attempts,
		CreatedAt: m.CreatedAt.UTC(), SentAt: optTime(m.SentAt), DeadAt: optTime(m.DeadAt)}
	if m.Ref != "" {
		n.OrderID = &m.Ref
	}
	if m.LastError != "" {
		n.LastError = &m.LastError
	}
	return n
}

// optTime is nil for the zero time, so that JSON says null.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// notifications lists the outbox for admins: ?status=pending|sent|dead,
// ?order_id= for one order's messages, ?limit= (1–500, default 50).
func (s *Server) notifications(w http.ResponseWriter, r *http.Request, by account.User) error {
	q, err := queryOf(r, "status", "order_id", "limit")
	if err != nil {
		return err
	}
	limit, err := catalog.ParseLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	ms, err := s.Notify.Messages(r.Context(), by, notify.Query{Status: q.Get("status"), Ref: q.Get("order_id"), Limit: limit})
	if err != nil {
		return err
	}
	out := make([]notification, len(ms))
	for i, m := range ms {
		out[i] = notificationOf(m)
	}
	writeJSON(w, http.StatusOK, map[string]any{"notifications": out})
	return nil
}

// retryNotification sends a dead message again and answers with it as it
// now is: pending, from its first attempt.
func (s *Server) retryNotification(w http.ResponseWriter, r *http.Request, by account.User) error {
	id := r.PathValue("id")
	if err := s.Notify.Retry(r.Context(), by, id); err != nil {
		return err
	}
	m, err := s.Notify.Message(r.Context(), by, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"notification": notificationOf(m)})
	return nil
}
