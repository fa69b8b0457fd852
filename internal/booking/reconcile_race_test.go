package booking_test

import (
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/payment"
)

// TestLateChargeAfterReconcile: a checkout stalls between committing its
// pending order and charging for longer than the reconcile grace (a
// paused process, a starved machine), so the reconcile job asks the
// provider, finds no charge, fails the order and gives the hold back; and
// then the charge goes through. A charge must still end as a paid order
// or a refund (invariant 4): the late charge is refunded, the buyer is
// told to try again, and the hold, still theirs, sells on the retry.
func TestLateChargeAfterReconcile(t *testing.T) {
	t.Parallel()
	reconciled := -1
	f := newFixtureWith(t, fixtureOptions{provider: func(f *fixture) payment.Provider {
		return &hookProvider{Fake: f.pay, beforeCharge: func(payment.ChargeRequest) {
			if reconciled >= 0 {
				return // the retry
			}
			f.clk.Advance(2 * time.Minute)
			n, err := f.svc.ReconcilePending(f.ctx, time.Minute)
			if err != nil {
				t.Errorf("ReconcilePending: %v", err)
			}
			reconciled = n
		}}
	}})
	u := f.customer()
	h := f.hold(u, f.event.ID, booking.HoldRequest{BestAvailable: true, Quantity: 2})
	o, err := f.svc.PlaceOrder(f.ctx, u, booking.OrderRequest{HoldID: h.ID, PaymentToken: okCard})
	if reconciled != 1 {
		t.Fatalf("the reconcile job settled %d orders during the stall, want 1", reconciled)
	}
	if err == nil {
		t.Fatalf("the checkout answered order %s %s after the job had failed it", o.ID, o.Status)
	}
	wantCode(t, err, apperr.Unavailable, "a charge that came after the order was failed")
	charges := f.pay.Charges()
	if len(charges) != 1 || charges[0].RefundedCents != charges[0].AmountCents {
		t.Fatalf("ledger %+v: want the one late charge refunded in full", charges)
	}
	failed := f.orderOf(charges[0].IdempotencyKey)
	if failed.Status != booking.OrderPaymentFailed || len(failed.Tickets) != 0 {
		t.Fatalf("the stalled order is %s with %d tickets", failed.Status, len(failed.Tickets))
	}
	if s := f.holdStatus(u, h.ID); s != booking.HoldActive {
		t.Fatalf("the hold is %s, want it back with the buyer", s)
	}

	paid := f.order(u, h.ID, okCard)
	if paid.Status != booking.OrderPaid || len(paid.Tickets) != 2 {
		t.Fatalf("the retry: %s with %d tickets", paid.Status, len(paid.Tickets))
	}
	if n := len(f.pay.Charges()); n != 2 || f.pay.ChargeCount(paid.ID) != 1 {
		t.Fatalf("%d charges after the retry, want 2 (one refunded, one paid)", n)
	}
	f.wantCounts(f.event.ID, capacity-2, 0, 2)
}
