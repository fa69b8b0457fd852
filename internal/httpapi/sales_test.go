package httpapi_test

import (
	"reflect"
	"testing"

	"github.com/boxoffice/boxoffice/internal/apitest"
	"github.com/boxoffice/boxoffice/internal/booking"
)

// TestSalesBreakdown: the sales figures (an extension of the contract's,
// checked against the OpenAPI document) give gross, refunds, net, fees and
// add-ons apart, by kind and by section, and a declined attempt counts
// nowhere.
func TestSalesBreakdown(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ev := h.event(t, 2, 10, 10) // $25.00 a place, $4.75 service fee, $3.95 order fee
	order := func(buyer, hold, token, key string, want int) string {
		var o struct{ Order struct{ ID string } }
		r := h.c.Must(t, want, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: buyer, Header: map[string]string{"Idempotency-Key": key},
			Body: map[string]any{"hold_id": hold, "payment_token": token}})
		if want == 201 {
			r.JSON(t, &o)
		}
		return o.Order.ID
	}
	hold := func(buyer string, body map[string]any) string {
		var hd struct{ Hold struct{ ID string } }
		h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev + "/holds", Token: buyer, Body: body}).JSON(t, &hd)
		return hd.Hold.ID
	}
	b1, b2 := h.buyer(t), h.buyer(t)
	refunded := order(b1, hold(b1, map[string]any{"best_available": true, "quantity": 2}), "tok_visa", "s1", 201) // $63.45
	floor := hold(b2, map[string]any{"section": "Floor", "quantity": 1})
	order(b2, floor, "tok_chargeDeclined", "s2", 402)
	order(b2, floor, "tok_visa", "s3", 201) // $33.70
	h.c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/orders/" + refunded + "/refund", Token: h.admin})

	var got booking.Sales
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/admin/events/" + ev + "/sales", Token: h.admin}).JSON(t, &got)
	if got.Orders != 2 || got.GrossCents != 9715 || got.RefundedCents != 6345 || got.NetCents != 3370 || got.FeesCents != 2215 || got.AddOnsCents != 0 {
		t.Errorf("sales: %d orders, gross %d, refunded %d, net %d, fees %d, add-ons %d; want 2, 9715, 6345, 3370, 2215, 0",
			got.Orders, got.GrossCents, got.RefundedCents, got.NetCents, got.FeesCents, got.AddOnsCents)
	}
	want := booking.SalesBreakdown{
		Gross:    booking.MoneyLines{TicketsCents: 7500, ServiceFeesCents: 1425, OrderFeesCents: 790, TotalCents: 9715},
		Refunded: booking.MoneyLines{TicketsCents: 5000, ServiceFeesCents: 950, OrderFeesCents: 395, TotalCents: 6345},
		Net:      booking.MoneyLines{TicketsCents: 2500, ServiceFeesCents: 475, OrderFeesCents: 395, TotalCents: 3370},
		Sections: []booking.SectionSales{
			{Section: "A", Refunded: 2, TicketsCents: 5000, FeesCents: 950, GrossCents: 5950, RefundedCents: 5950},
			{Section: "Floor", Sold: 1, TicketsCents: 2500, FeesCents: 475, GrossCents: 2975, NetCents: 2975},
		},
	}
	if !reflect.DeepEqual(got.SalesBreakdown, want) {
		t.Errorf("breakdown:\n got %+v\nwant %+v", got.SalesBreakdown, want)
	}
}
