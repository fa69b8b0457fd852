package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/booking"
)

// testRefundRequests: a refund asked for is listed once its request is
// older than `before`, oldest first, until the order is no longer paid; a
// second request keeps the first time; only paid orders can be asked.
func testRefundRequests(t *testing.T, s Engine) {
	ctx := context.Background()
	e := smallEvent(t, s)
	u := newUser(t, s)
	a := seatNos(t, s, e.ID, "A", "")
	first := buy(t, s, placeHold(t, s, e.ID, u, a[0:1], holdOpts{}), now)
	second := buy(t, s, placeHold(t, s, e.ID, u, a[1:2], holdOpts{}), now)
	buy(t, s, placeHold(t, s, e.ID, u, a[2:3], holdOpts{}), now) // paid, never asked
	pending := insertOrder(t, s, placeHold(t, s, e.ID, u, a[3:4], holdOpts{}), now)
	ask := func(o booking.Order, at time.Time) {
		t.Helper()
		if err := s.RequestRefund(ctx, o.ID, at); err != nil {
			t.Fatalf("RequestRefund(%s): %v", o.ID, err)
		}
	}
	ask(second, now.Add(-5*time.Minute))
	ask(first, now.Add(-10*time.Minute))
	ask(second, now) // keeps -5m
	ask(pending, now.Add(-time.Hour))
	list := func(before time.Time, limit int, want ...string) {
		t.Helper()
		got, err := s.RefundsRequested(ctx, before, limit)
		if err != nil {
			t.Fatalf("RefundsRequested: %v", err)
		}
		if want == nil {
			want = []string{}
		}
		if got == nil {
			got = []string{}
		}
		if !slices.Equal(got, want) {
			t.Errorf("RefundsRequested(before %v, limit %d) = %v, want %v", before, limit, got, want)
		}
	}
	list(now, 10, first.ID, second.ID)
	list(now, 1, first.ID)
	list(now.Add(-6*time.Minute), 10, first.ID)
	list(now.Add(-10*time.Minute), 10) // asked at, not before
	setOrderStatus(t, s, &first, booking.OrderRefunded)
	list(now, 10, second.ID)
}
