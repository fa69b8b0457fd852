package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

func (s *Server) createOrder(w http.ResponseWriter, r *http.Request, by account.User) error {
	var in booking.OrderRequest
	if err := decode(w, r, &in); err != nil {
		return err
	}
	o, err := s.Booking.PlaceOrder(r.Context(), by, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"order": o})
	return nil
}

func (s *Server) getOrder(w http.ResponseWriter, r *http.Request, by account.User) error {
	o, err := s.Booking.Order(r.Context(), by, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"order": o})
	return nil
}

func (s *Server) refundOrder(w http.ResponseWriter, r *http.Request, by account.User) error {
	o, err := s.Booking.Refund(r.Context(), by, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"order": o})
	return nil
}

// pageCursor continues a newest-first listing.
type pageCursor struct {
	CreatedAt time.Time `json:"t"`
	ID        string    `json:"i"`
}

// listQuery reads ?cursor=&limit=&event_id= for a newest-first listing,
// which may take the extra parameters too (the caller reads them from q).
func listQuery(r *http.Request, extra ...string) (lq booking.ListQuery, q url.Values, err error) {
	q, err = queryOf(r, append([]string{"cursor", "limit", "event_id"}, extra...)...)
	if err != nil {
		return booking.ListQuery{}, q, err
	}
	limit, err := catalog.ParseLimit(q.Get("limit"))
	if err != nil {
		return booking.ListQuery{}, q, err
	}
	lq = booking.ListQuery{Limit: limit + 1, EventID: q.Get("event_id")}
	if c := q.Get("cursor"); c != "" {
		var pc pageCursor
		b, err := base64.RawURLEncoding.DecodeString(c)
		if err == nil {
			err = json.Unmarshal(b, &pc)
		}
		if err != nil || pc.ID == "" {
			var f apperr.Fields
			f.Add("cursor", "is not a cursor this server returned")
			return lq, q, f.Err()
		}
		lq.Before, lq.BeforeID = pc.CreatedAt, pc.ID
	}
	return lq, q, nil
}

// nextCursor trims a page fetched with one extra row and returns the cursor.
func nextCursor[T any](items []T, limit int, key func(T) (time.Time, string)) ([]T, *string) {
	if len(items) <= limit {
		return items, nil
	}
	items = items[:limit]
	t, id := key(items[len(items)-1])
	b, _ := json.Marshal(pageCursor{CreatedAt: t, ID: id})
	c := base64.RawURLEncoding.EncodeToString(b)
	return items, &c
}

func (s *Server) myOrders(w http.ResponseWriter, r *http.Request, by account.User) error {
	lq, q, err := listQuery(r, "all")
	if err != nil {
		return err
	}
	os, err := s.Booking.Orders(r.Context(), by, q.Get("all") == "true", lq)
	if err != nil {
		return err
	}
	os, next := nextCursor(os, lq.Limit-1, func(o booking.Order) (time.Time, string) { return o.CreatedAt, o.ID })
	writeJSON(w, http.StatusOK, map[string]any{"orders": os, "next_cursor": next})
	return nil
}
