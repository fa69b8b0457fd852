package httpapi_test

import (
	"testing"

	"github.com/boxoffice/boxoffice/internal/apitest"
)

// TestUpdateEvent changes an event through PATCH /events/{id}: given
// fields change, the rest and the prices stay; the rules of creation apply;
// only an admin may.
func TestUpdateEvent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ev := h.event(t, 2, 10, 20)
	path := "/api/v1/events/" + ev
	var got struct {
		Event struct {
			Name              string
			Category          string
			MaxTicketsPerUser int   `json:"max_tickets_per_user"`
			ServiceFeeCents   int64 `json:"service_fee_cents"`
			MinPriceCents     int64 `json:"min_price_cents"`
			Queue             struct {
				Enabled        bool
				AdmitPerMinute int `json:"admit_per_minute"`
			}
		}
	}
	h.c.Must(t, 200, apitest.Req{Method: "PATCH", Path: path, Token: h.admin, Body: map[string]any{
		"name": "Test Show: Late", "max_tickets_per_user": 4, "service_fee_cents": 300,
		"queue": map[string]any{"enabled": true, "admit_per_minute": 60}}}).JSON(t, &got)
	e := got.Event
	if e.Name != "Test Show: Late" || e.MaxTicketsPerUser != 4 || e.ServiceFeeCents != 300 || !e.Queue.Enabled ||
		e.Queue.AdmitPerMinute != 60 || e.Category != "concert" || e.MinPriceCents != 2500 {
		t.Errorf("after PATCH: %+v", e)
	}
	h.c.Must(t, 422, apitest.Req{Method: "PATCH", Path: path, Token: h.admin, Body: map[string]any{"onsale_at": "2030-01-01T00:00:00Z"}})
	h.c.Must(t, 400, apitest.Req{Method: "PATCH", Path: path, Token: h.admin, Body: map[string]any{"prices": []any{}}})
	h.c.Must(t, 403, apitest.Req{Method: "PATCH", Path: path, Token: h.buyer(t), Body: map[string]any{"name": "Mine"}})
	h.c.Must(t, 404, apitest.Req{Method: "PATCH", Path: "/api/v1/events/evt_none", Token: h.admin, Body: map[string]any{"name": "X"}})
}
