package storetest

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/booking"
)

// testSalesBreakdown: an event's money by kind (gross, refunded, net) and
// its tickets by section, from two paid orders (one with an add-on and an
// order fee, one across two sections), a refunded one, and orders that
// must count nowhere: pending, a failed attempt, another event's.
func testSalesBreakdown(t *testing.T, s Engine) {
	ctx := context.Background()
	e, other := smallEvent(t, s), smallEvent(t, s)
	u := newUser(t, s)
	a, b, ga := seatNos(t, s, e.ID, "A", ""), seatNos(t, s, e.ID, "B", ""), seatNos(t, s, e.ID, "GA", "")
	buyWith(t, s, placeHold(t, s, e.ID, u, a[0:2], holdOpts{}), now,
		booking.LineItem{Kind: booking.KindAddOn, Description: "Parking", Quantity: 1, UnitCents: 7500, TotalCents: 7500},
		booking.LineItem{Kind: booking.KindOrderFee, Description: "Order fee", Quantity: 1, UnitCents: 395, TotalCents: 395})
	buy(t, s, placeHold(t, s, e.ID, u, []int64{b[0], ga[0], ga[1]}, holdOpts{}), now)
	refunded := buy(t, s, placeHold(t, s, e.ID, u, a[2:3], holdOpts{}), now)
	refunded.RefundedCents = refunded.TotalCents
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error { return tx.VoidTickets(ctx, refunded.ID) })
	setOrderStatus(t, s, &refunded, booking.OrderRefunded)
	insertOrder(t, s, placeHold(t, s, e.ID, u, a[3:4], holdOpts{}), now) // pending
	failed := insertOrder(t, s, placeHold(t, s, e.ID, u, a[4:5], holdOpts{}), now)
	setOrderStatus(t, s, &failed, booking.OrderPaymentFailed)
	buy(t, s, placeHold(t, s, other.ID, u, a[0:3], holdOpts{}), now)

	got, err := s.SalesBreakdown(ctx, e.ID)
	if err != nil {
		t.Fatalf("SalesBreakdown: %v", err)
	}
	// Tickets: 2 × A 5000 + (B 2500 + 2 × GA 1500) + A 5000 refunded; a
	// 150 service fee per ticket; one order fee and one add-on.
	want := booking.SalesBreakdown{
		Gross:    booking.MoneyLines{TicketsCents: 20500, ServiceFeesCents: 900, OrderFeesCents: 395, AddOnsCents: 7500, TotalCents: 29295},
		Refunded: booking.MoneyLines{TicketsCents: 5000, ServiceFeesCents: 150, TotalCents: 5150},
		Net:      booking.MoneyLines{TicketsCents: 15500, ServiceFeesCents: 750, OrderFeesCents: 395, AddOnsCents: 7500, TotalCents: 24145},
		Sections: []booking.SectionSales{
			{Section: "A", Sold: 2, Refunded: 1, TicketsCents: 15000, FeesCents: 450, GrossCents: 15450, RefundedCents: 5150, NetCents: 10300},
			{Section: "B", Sold: 1, TicketsCents: 2500, FeesCents: 150, GrossCents: 2650, NetCents: 2650},
			{Section: "GA", Sold: 2, TicketsCents: 3000, FeesCents: 300, GrossCents: 3300, NetCents: 3300},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SalesBreakdown:\n got %+v\nwant %+v", got, want)
	}
	// The breakdown agrees with the contract's figures.
	if _, gross, ref, err := s.OrderFigures(ctx, e.ID); err != nil || gross != got.Gross.TotalCents || ref != got.Refunded.TotalCents {
		t.Errorf("OrderFigures gross %d refunded %d (%v); the breakdown says %d and %d", gross, ref, err, got.Gross.TotalCents, got.Refunded.TotalCents)
	}
	empty, err := s.SalesBreakdown(ctx, smallEvent(t, s).ID)
	if err != nil || !reflect.DeepEqual(empty, booking.SalesBreakdown{Sections: []booking.SectionSales{}}) {
		t.Errorf("SalesBreakdown of an event without orders = %+v, %v; want zeros and no sections", empty, err)
	}
}

// testOrdersNoFailed: a listing with NoFailed leaves out failed payment
// attempts, by user and by event, and keeps every other status.
func testOrdersNoFailed(t *testing.T, s Engine) {
	ctx := context.Background()
	e := smallEvent(t, s)
	u := newUser(t, s)
	a := seatNos(t, s, e.ID, "A", "")
	h := placeHold(t, s, e.ID, u, a[0:2], holdOpts{})
	failed := insertOrder(t, s, h, now)
	setOrderStatus(t, s, &failed, booking.OrderPaymentFailed)
	paid := buy(t, s, h, now.Add(time.Minute))
	pending := insertOrder(t, s, placeHold(t, s, e.ID, u, a[2:3], holdOpts{}), now.Add(2*time.Minute))
	for _, q := range []booking.ListQuery{{UserID: u.ID}, {EventID: e.ID}} {
		q.Limit = 10
		all, err := s.Orders(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := orderIDs(all), []string{pending.ID, paid.ID, failed.ID}; !slices.Equal(got, want) {
			t.Errorf("Orders(%+v) = %v, want %v", q, got, want)
		}
		q.NoFailed = true
		some, err := s.Orders(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := orderIDs(some), []string{pending.ID, paid.ID}; !slices.Equal(got, want) {
			t.Errorf("Orders(%+v) = %v, want %v without the failed attempt", q, got, want)
		}
	}
}
