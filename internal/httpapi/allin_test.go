package httpapi_test

import (
	"testing"

	"github.com/boxoffice/boxoffice/internal/apitest"
)

// TestHoldCarriesFees: a hold's JSON names the fees an order of it pays and
// the all-in total (an extension, checked against the OpenAPI document by
// the client), and the order of it costs exactly that total.
func TestHoldCarriesFees(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ev := h.event(t, 2, 10, 10) // $25.00 a seat, $4.75 service fee, $3.95 order fee
	buyer := h.buyer(t)
	type hold struct {
		ID              string
		SubtotalCents   int64 `json:"subtotal_cents"`
		ServiceFeeCents int64 `json:"service_fee_cents"`
		OrderFeeCents   int64 `json:"order_fee_cents"`
		FeesCents       int64 `json:"fees_cents"`
		TotalCents      int64 `json:"total_cents"`
	}
	var placed struct{ Hold hold }
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev + "/holds", Token: buyer,
		Body: map[string]any{"best_available": true, "quantity": 2}}).JSON(t, &placed)
	want := hold{ID: placed.Hold.ID, SubtotalCents: 5000, ServiceFeeCents: 475, OrderFeeCents: 395, FeesCents: 1345, TotalCents: 6345}
	if placed.Hold != want {
		t.Fatalf("POST hold: %+v, want %+v", placed.Hold, want)
	}
	var read struct{ Hold hold }
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/holds/" + placed.Hold.ID, Token: buyer}).JSON(t, &read)
	if read.Hold != want {
		t.Fatalf("GET hold: %+v, want %+v", read.Hold, want)
	}
	var o struct {
		Order struct {
			TotalCents int64 `json:"total_cents"`
			FeesCents  int64 `json:"fees_cents"`
		}
	}
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: buyer, Header: map[string]string{"Idempotency-Key": "allin-1"},
		Body: map[string]any{"hold_id": placed.Hold.ID, "payment_token": "tok_visa"}}).JSON(t, &o)
	if o.Order.TotalCents != want.TotalCents || o.Order.FeesCents != want.FeesCents {
		t.Fatalf("order total %d fees %d; the hold said %d and %d", o.Order.TotalCents, o.Order.FeesCents, want.TotalCents, want.FeesCents)
	}
}
