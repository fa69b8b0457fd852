package booking_test

import (
	"context"
	"errors"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/payment"
)

func TestRefund(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.customer()
	a1, a2 := f.seatID(f.event.ID, "Lower", "A", 1), f.seatID(f.event.ID, "Lower", "A", 2)
	o := f.buy(u, f.event.ID, a1, a2)
	f.wantCounts(f.event.ID, capacity-2, 0, 2)

	_, err := f.svc.Refund(f.ctx, u, o.ID)
	wantCode(t, err, apperr.Forbidden, "the buyer refunds")
	_, err = f.svc.Refund(f.ctx, f.staff, o.ID)
	wantCode(t, err, apperr.Forbidden, "staff refunds")
	if len(f.pay.Refunds()) != 0 || f.orderOf(o.ID).Status != booking.OrderPaid {
		t.Fatalf("a forbidden refund changed something")
	}
	_, err = f.svc.Refund(f.ctx, f.admin, "ord_missing")
	wantCode(t, err, apperr.NotFound, "refund of a missing order")

	r, err := f.svc.Refund(f.ctx, f.admin, o.ID)
	if err != nil || r.Status != booking.OrderRefunded || r.RefundedCents != o.TotalCents {
		t.Fatalf("refund: %+v, %v", r, err)
	}
	for _, tk := range r.Tickets {
		if tk.Status != booking.TicketVoid {
			t.Fatalf("ticket %s is %s after the refund", tk.ID, tk.Status)
		}
	}
	if ts, err := f.svc.Tickets(f.ctx, u, booking.ListQuery{Limit: 50}); err != nil || len(ts) != 0 {
		t.Fatalf("buyer still lists %d valid tickets (%v)", len(ts), err)
	}
	st := f.statuses(f.event.ID)
	if st[a1] != booking.SeatAvailable || st[a2] != booking.SeatAvailable {
		t.Fatalf("refunded seats: %s, %s", st[a1], st[a2])
	}
	f.wantCounts(f.event.ID, capacity, 0, 0)
	refunds := f.pay.Refunds()
	if len(refunds) != 1 || refunds[0].ChargeID != o.Payment.ChargeID || refunds[0].AmountCents != o.TotalCents {
		t.Fatalf("provider refunds %+v", refunds)
	}

	// Again, and many times at once: no second refund.
	r2, err := f.svc.Refund(f.ctx, f.admin, o.ID)
	if err != nil || r2.Status != booking.OrderRefunded {
		t.Fatalf("second refund: %+v, %v", r2, err)
	}
	_, errs := race(20, func(int) (booking.Order, error) { return f.svc.Refund(f.ctx, f.admin, o.ID) })
	if got := tally(errs); got[""] != 20 {
		t.Fatalf("concurrent refunds: %v", got)
	}
	if n := len(f.pay.Refunds()); n != 1 {
		t.Fatalf("%d provider refunds, want 1", n)
	}
	if c := f.pay.Charges()[0]; c.RefundedCents != o.TotalCents {
		t.Fatalf("charge refunded %d of %d", c.RefundedCents, o.TotalCents)
	}

	// The seats sell again, to someone else.
	o2 := f.buy(f.customer(), f.event.ID, a1, a2)
	f.wantCounts(f.event.ID, capacity-2, 0, 2)
	s, err := f.svc.Sales(f.ctx, f.admin, f.event.ID)
	if err != nil || s.Orders != 2 || s.GrossCents != o.TotalCents+o2.TotalCents || s.RefundedCents != o.TotalCents || s.Sold != 2 {
		t.Fatalf("sales %+v, %v", s, err)
	}
}

func TestRefundOnlyPaidOrders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.customer()
	h := f.hold(u, f.event.ID, booking.HoldRequest{BestAvailable: true, Quantity: 1})
	_, err := f.svc.PlaceOrder(f.ctx, u, booking.OrderRequest{HoldID: h.ID, PaymentToken: badCard})
	wantCode(t, err, apperr.PaymentDeclined, "decline")
	os, err := f.svc.Orders(f.ctx, u, false, booking.ListQuery{Limit: 10})
	if err != nil || len(os) != 1 || os[0].Status != booking.OrderPaymentFailed {
		t.Fatalf("orders %+v, %v", os, err)
	}
	_, err = f.svc.Refund(f.ctx, f.admin, os[0].ID)
	wantCode(t, err, apperr.Conflict, "refund of a failed payment")
	if len(f.pay.Refunds()) != 0 || f.orderOf(os[0].ID).Status != booking.OrderPaymentFailed {
		t.Fatalf("refunding a failed order changed something")
	}
	if s := f.holdStatus(u, h.ID); s != booking.HoldActive {
		t.Fatalf("hold is %s", s)
	}
}

func TestCancelEvent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ev := f.event
	b1, b2, b3 := f.customer(), f.customer(), f.customer()
	o1 := f.buy(b1, ev.ID, f.seatID(ev.ID, "Lower", "A", 1), f.seatID(ev.ID, "Lower", "A", 2))
	h2 := f.hold(b2, ev.ID, booking.HoldRequest{Section: "Floor", Quantity: 2})
	o2 := f.order(b2, h2.ID, okCard, booking.AddOnChoice{AddOnID: addOnID(t, f, "Gold Parking"), Quantity: 1})
	held := f.hold(b3, ev.ID, booking.HoldRequest{BestAvailable: true, Quantity: 3})
	f.wantCounts(ev.ID, capacity-7, 3, 4)

	s, err := f.svc.Sales(f.ctx, f.admin, ev.ID)
	want := booking.Sales{EventID: ev.ID, SeatCounts: booking.SeatCounts{Capacity: capacity, Available: capacity - 7, Held: 3, Sold: 4},
		Orders: 2, GrossCents: o1.TotalCents + o2.TotalCents, RefundedCents: 0, Currency: "USD"}
	if err != nil || !sameSales(s, want) {
		t.Fatalf("sales\n got %+v, %v\nwant %+v", s, err, want)
	}
	_, err = f.svc.Sales(f.ctx, b1, ev.ID)
	wantCode(t, err, apperr.Forbidden, "a customer reads sales")
	_, err = f.svc.CancelEvent(f.ctx, b1, ev.ID)
	wantCode(t, err, apperr.Forbidden, "a customer cancels")
	_, err = f.svc.CancelEvent(f.ctx, f.staff, ev.ID)
	wantCode(t, err, apperr.Forbidden, "staff cancels")
	if len(f.pay.Refunds()) != 0 {
		t.Fatalf("a forbidden cancel refunded")
	}

	e, err := f.svc.CancelEvent(f.ctx, f.admin, ev.ID)
	if err != nil || e.Status != catalog.StatusCancelled {
		t.Fatalf("cancel: %+v, %v", e.Status, err)
	}
	for _, o := range []booking.Order{o1, o2} {
		got := f.orderOf(o.ID)
		if got.Status != booking.OrderRefunded || got.RefundedCents != o.TotalCents {
			t.Fatalf("order %s is %s, refunded %d", o.ID, got.Status, got.RefundedCents)
		}
		for _, tk := range got.Tickets {
			if tk.Status != booking.TicketVoid {
				t.Fatalf("ticket %s is %s", tk.ID, tk.Status)
			}
			_, err := f.svc.CheckIn(f.ctx, f.staff, tk.Barcode)
			wantCode(t, err, apperr.InvalidBarcode, "ticket of a cancelled event")
		}
	}
	if n := len(f.pay.Refunds()); n != 2 {
		t.Fatalf("%d provider refunds, want 2", n)
	}
	if st := f.holdStatus(b3, held.ID); st != booking.HoldReleased {
		t.Fatalf("hold is %s after cancellation", st)
	}
	f.wantCounts(ev.ID, capacity, 0, 0)
	_, err = f.svc.PlaceHold(f.ctx, f.customer(), ev.ID, booking.HoldRequest{BestAvailable: true, Quantity: 1})
	wantCode(t, err, apperr.NotOnSale, "hold at a cancelled event")
	_, err = f.svc.PlaceHold(f.ctx, b3, ev.ID, booking.HoldRequest{Section: "Floor", Quantity: 1})
	wantCode(t, err, apperr.NotOnSale, "GA hold at a cancelled event")
	_, err = f.svc.PlaceOrder(f.ctx, b3, booking.OrderRequest{HoldID: held.ID, PaymentToken: okCard})
	wantCode(t, err, apperr.HoldNotActive, "paying for a released hold")

	s, err = f.svc.Sales(f.ctx, f.admin, ev.ID)
	want.SeatCounts = booking.SeatCounts{Capacity: capacity, Available: capacity}
	want.RefundedCents = want.GrossCents
	if err != nil || !sameSales(s, want) {
		t.Fatalf("sales after cancel\n got %+v, %v\nwant %+v", s, err, want)
	}

	// Cancelling again finishes nothing twice.
	if _, err := f.svc.CancelEvent(f.ctx, f.admin, ev.ID); err != nil {
		t.Fatalf("second cancel: %v", err)
	}
	if n := len(f.pay.Refunds()); n != 2 {
		t.Fatalf("%d provider refunds after a second cancel", n)
	}
	_, err = f.svc.CancelEvent(f.ctx, f.admin, "evt_missing")
	wantCode(t, err, apperr.NotFound, "cancel a missing event")
}

// TestCancelDuringPayment cancels the event while a buyer's card is being
// charged: the checkout must notice, refund the charge and sell nothing.
func TestCancelDuringPayment(t *testing.T) {
	t.Parallel()
	var cancelErr error
	f := newFixtureWith(t, fixtureOptions{provider: func(f *fixture) payment.Provider {
		return &hookProvider{Fake: f.pay, beforeCharge: func(payment.ChargeRequest) {
			_, cancelErr = f.svc.CancelEvent(f.ctx, f.admin, f.event.ID)
		}}
	}})
	u := f.customer()
	h := f.hold(u, f.event.ID, booking.HoldRequest{BestAvailable: true, Quantity: 2})
	_, err := f.svc.PlaceOrder(f.ctx, u, booking.OrderRequest{HoldID: h.ID, PaymentToken: okCard})
	if cancelErr != nil {
		t.Fatalf("cancel: %v", cancelErr)
	}
	wantCode(t, err, apperr.NotOnSale, "order for an event cancelled during payment")
	os, err := f.svc.Orders(f.ctx, u, false, booking.ListQuery{Limit: 10})
	if err != nil || len(os) != 1 || os[0].Status != booking.OrderCancelled || len(os[0].Tickets) != 0 {
		t.Fatalf("orders %+v, %v", os, err)
	}
	charges, refunds := f.pay.Charges(), f.pay.Refunds()
	if len(charges) != 1 || len(refunds) != 1 || refunds[0].ChargeID != charges[0].ID || charges[0].RefundedCents != charges[0].AmountCents {
		t.Fatalf("charges %+v, refunds %+v", charges, refunds)
	}
	if s := f.holdStatus(u, h.ID); s != booking.HoldReleased {
		t.Fatalf("hold is %s", s)
	}
	f.wantCounts(f.event.ID, capacity, 0, 0)
}

// TestReconcileRefundAfterCrash: the provider refunds an order, and the
// process dies before the database records it (the crash test's
// refund.after_provider failpoint; here the answer is lost on the way
// back, which leaves the same state). The order must not stay paid with
// valid tickets while the buyer has the money back: the reconcile job
// finishes the refund, once.
func TestReconcileRefundAfterCrash(t *testing.T) {
	t.Parallel()
	var lost atomic.Int32
	f := newFixtureWith(t, fixtureOptions{provider: func(f *fixture) payment.Provider {
		return &hookProvider{Fake: f.pay, refund: func(ctx context.Context, req payment.RefundRequest) (payment.Refund, error) {
			r, err := f.pay.Refund(ctx, req)
			if err == nil && lost.Add(1) == 1 {
				return payment.Refund{}, errors.New("read tcp 10.0.0.1:443: connection reset by peer")
			}
			return r, err
		}}
	}})
	u := f.customer()
	a1, a2 := f.seatID(f.event.ID, "Lower", "A", 1), f.seatID(f.event.ID, "Lower", "A", 2)
	o := f.buy(u, f.event.ID, a1, a2)
	if _, err := f.svc.Refund(f.ctx, f.admin, o.ID); err == nil {
		t.Fatal("the refund succeeded although its answer was lost")
	}
	if len(f.pay.Refunds()) != 1 || f.orderOf(o.ID).Status != booking.OrderPaid {
		t.Fatalf("the staged crash did not refund at the provider only")
	}

	f.clk.Advance(2 * time.Minute)
	n, err := f.svc.ReconcilePending(f.ctx, time.Minute)
	if err != nil || n != 1 {
		t.Fatalf("ReconcilePending = %d, %v; want 1 (the refund)", n, err)
	}
	r := f.orderOf(o.ID)
	if r.Status != booking.OrderRefunded || r.RefundedCents != o.TotalCents {
		t.Fatalf("after reconciliation the order is %s with %d of %d cents refunded", r.Status, r.RefundedCents, o.TotalCents)
	}
	for _, tk := range r.Tickets {
		if tk.Status != booking.TicketVoid {
			t.Errorf("ticket %s is %s after the refund", tk.ID, tk.Status)
		}
	}
	f.wantCounts(f.event.ID, capacity, 0, 0)
	if rs := f.pay.Refunds(); len(rs) != 1 || rs[0].AmountCents != o.TotalCents {
		t.Errorf("provider refunds %+v, want one of %d", rs, o.TotalCents)
	}
	if n, err := f.svc.ReconcilePending(f.ctx, time.Minute); err != nil || n != 0 {
		t.Errorf("second ReconcilePending = %d, %v; want 0", n, err)
	}
}

// TestReconcileRefundWaitsForGrace: a refund in flight is not the reconcile
// job's until the grace has passed, and one that went through is never.
func TestReconcileRefundWaitsForGrace(t *testing.T) {
	t.Parallel()
	f := newFixtureWith(t, fixtureOptions{provider: func(f *fixture) payment.Provider {
		return &hookProvider{Fake: f.pay, refund: func(context.Context, payment.RefundRequest) (payment.Refund, error) {
			return payment.Refund{}, errors.New("dial tcp: i/o timeout") // the provider is down: nothing refunded
		}}
	}})
	u := f.customer()
	o := f.buy(u, f.event.ID, f.seatID(f.event.ID, "Lower", "A", 1))
	if _, err := f.svc.Refund(f.ctx, f.admin, o.ID); err == nil {
		t.Fatal("the refund succeeded with the provider down")
	}
	f.clk.Advance(30 * time.Second)
	if n, err := f.svc.ReconcilePending(f.ctx, time.Minute); err != nil || n != 0 {
		t.Fatalf("ReconcilePending within grace = %d, %v; want 0", n, err)
	}
	if s := f.orderOf(o.ID).Status; s != booking.OrderPaid {
		t.Fatalf("order %s within grace", s)
	}
	other := f.buy(f.customer(), f.event.ID, f.seatID(f.event.ID, "Lower", "A", 2))
	f.clk.Advance(time.Minute)
	// The provider is still down: the job tries, fails, and tries again later.
	if n, err := f.svc.ReconcilePending(f.ctx, time.Minute); err != nil || n != 0 {
		t.Fatalf("ReconcilePending with the provider down = %d, %v; want 0", n, err)
	}
	if s := f.orderOf(other.ID).Status; s != booking.OrderPaid {
		t.Fatalf("an order nobody asked to refund is %s", s)
	}
}

// sameSales compares the contract's sales figures, and checks that the
// breakdown agrees with them (the store conformance suite checks its sums).
func sameSales(got, want booking.Sales) bool {
	agrees := got.NetCents == got.GrossCents-got.RefundedCents && got.Gross.TotalCents == got.GrossCents &&
		got.Refunded.TotalCents == got.RefundedCents && got.Net.TotalCents == got.NetCents
	got.NetCents, got.FeesCents, got.AddOnsCents, got.SalesBreakdown = 0, 0, 0, booking.SalesBreakdown{}
	return agrees && reflect.DeepEqual(got, want)
}
