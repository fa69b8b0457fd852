package booking_test

import (
	"context"
	"errors"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/payment"
)

func addOnID(t *testing.T, f *fixture, name string) string {
	t.Helper()
	for _, a := range f.event.AddOns {
		if a.Name == name {
			return a.ID
		}
	}
	t.Fatalf("no add-on %q", name)
	return ""
}

// ordersOf lists a buyer's orders by status.
func ordersOf(t *testing.T, f *fixture, u account.User) map[booking.OrderStatus]int {
	t.Helper()
	os, err := f.svc.Orders(f.ctx, u, false, booking.ListQuery{Limit: 100})
	if err != nil {
		t.Fatalf("orders: %v", err)
	}
	m := map[booking.OrderStatus]int{}
	for _, o := range os {
		m[o.Status]++
	}
	return m
}

func TestCheckoutPaid(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.customer()
	a1, a2 := f.seatID(f.event.ID, "Lower", "A", 1), f.seatID(f.event.ID, "Lower", "A", 2)
	h := f.hold(u, f.event.ID, booking.HoldRequest{SeatIDs: []string{a1, a2}})
	park := addOnID(t, f, "Gold Parking")
	o := f.order(u, h.ID, okCard, booking.AddOnChoice{AddOnID: park, Quantity: 1})

	if o.Status != booking.OrderPaid || o.EventID != f.event.ID || o.HoldID != h.ID || o.Currency != "USD" || o.Delivery != "mobile" {
		t.Fatalf("order %+v", o)
	}
	want := []booking.LineItem{
		{Kind: booking.KindTicket, Description: "Ticket, section Lower", Quantity: 2, UnitCents: lowerCts, TotalCents: 2 * lowerCts},
		{Kind: booking.KindAddOn, Description: "Gold Parking", AddOnID: park, Quantity: 1, UnitCents: parkCts, TotalCents: parkCts},
		{Kind: booking.KindServiceFee, Description: "Service fee", Quantity: 2, UnitCents: svcFee, TotalCents: 2 * svcFee},
		{Kind: booking.KindOrderFee, Description: "Order processing fee", Quantity: 1, UnitCents: orderFee, TotalCents: orderFee},
	}
	if !reflect.DeepEqual(o.LineItems, want) {
		t.Fatalf("line items\n got %+v\nwant %+v", o.LineItems, want)
	}
	if o.SubtotalCents != 12500 || o.FeesCents != 1345 || o.TotalCents != 13845 {
		t.Fatalf("totals %d + %d = %d", o.SubtotalCents, o.FeesCents, o.TotalCents)
	}
	charges := f.pay.Charges()
	if len(charges) != 1 || charges[0].IdempotencyKey != o.ID || charges[0].AmountCents != o.TotalCents || charges[0].Currency != "USD" {
		t.Fatalf("charges %+v", charges)
	}
	if o.Payment.Provider != "fake" || o.Payment.ChargeID != charges[0].ID {
		t.Fatalf("payment %+v, charge %s", o.Payment, charges[0].ID)
	}
	if f.pay.ChargeCount(o.ID) != 1 || f.pay.Calls() != 1 {
		t.Fatalf("charge count %d, calls %d", f.pay.ChargeCount(o.ID), f.pay.Calls())
	}

	// One valid ticket per held seat, each with a barcode that checks in.
	if len(o.Tickets) != 2 {
		t.Fatalf("%d tickets", len(o.Tickets))
	}
	seen := map[string]bool{}
	for _, tk := range o.Tickets {
		if tk.OrderID != o.ID || tk.EventID != f.event.ID || tk.Status != booking.TicketValid || tk.Section != "Lower" ||
			tk.Row == nil || *tk.Row != "A" || tk.Number == nil || tk.Barcode == "" || tk.CheckedInAt != nil {
			t.Fatalf("ticket %+v", tk)
		}
		seen[tk.SeatID] = true
		in, err := f.svc.CheckIn(f.ctx, f.staff, tk.Barcode)
		if err != nil || in.ID != tk.ID || in.CheckedInAt == nil {
			t.Fatalf("check in %s: %+v, %v", tk.ID, in, err)
		}
	}
	if !seen[a1] || !seen[a2] {
		t.Fatalf("tickets for %v, want %s and %s", seen, a1, a2)
	}

	got := f.orderOf(o.ID)
	if got.Status != booking.OrderPaid || got.TotalCents != o.TotalCents || !reflect.DeepEqual(got.LineItems, o.LineItems) || len(got.Tickets) != 2 {
		t.Fatalf("read back %+v", got)
	}
	hh, err := f.svc.Hold(f.ctx, u, h.ID)
	if err != nil || hh.Status != booking.HoldConverted || hh.OrderID != o.ID {
		t.Fatalf("hold after checkout: %+v, %v", hh, err)
	}
	st := f.statuses(f.event.ID)
	if st[a1] != booking.SeatSold || st[a2] != booking.SeatSold {
		t.Fatalf("seat map: %s, %s", st[a1], st[a2])
	}
	f.wantCounts(f.event.ID, capacity-2, 0, 2)
	ts, err := f.svc.Tickets(f.ctx, u, booking.ListQuery{Limit: 50})
	if err != nil || len(ts) != 2 {
		t.Fatalf("my tickets: %d, %v", len(ts), err)
	}

	// A hold is converted once.
	_, err = f.svc.PlaceOrder(f.ctx, u, booking.OrderRequest{HoldID: h.ID, PaymentToken: okCard})
	wantCode(t, err, apperr.HoldNotActive, "second order for the hold")
	if err := f.svc.ReleaseHold(f.ctx, u, h.ID); !apperr.Is(err, apperr.HoldNotActive) {
		t.Fatalf("releasing a converted hold: %v", err)
	}
	if f.pay.Calls() != 1 || len(f.pay.Charges()) != 1 {
		t.Fatalf("the second order reached the provider")
	}
	f.wantCounts(f.event.ID, capacity-2, 0, 2)
	// Time passing changes nothing about a sale.
	f.clk.Advance(time.Hour)
	if n, _ := f.svc.ExpireHolds(f.ctx); n != 0 {
		t.Fatalf("swept %d holds", n)
	}
	f.wantCounts(f.event.ID, capacity-2, 0, 2)
}

func TestCheckoutAPIExampleAndGA(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.customer()
	o := f.buy(u, f.event.ID, f.seatID(f.event.ID, "Lower", "C", 1), f.seatID(f.event.ID, "Lower", "C", 2))
	if o.SubtotalCents != 5000 || o.FeesCents != 1345 || o.TotalCents != 6345 {
		t.Fatalf("api.md example: %d + %d = %d, want 5000 + 1345 = 6345", o.SubtotalCents, o.FeesCents, o.TotalCents)
	}
	h := f.hold(u, f.event.ID, booking.HoldRequest{Section: "Floor", Quantity: 3})
	o = f.order(u, h.ID, "tok_mastercard", booking.AddOnChoice{AddOnID: addOnID(t, f, "Programme"), Quantity: 4})
	if o.Status != booking.OrderPaid || len(o.Tickets) != 3 || o.TotalCents != 3*floorCts+4*progCts+3*svcFee+orderFee {
		t.Fatalf("GA order %s, %d tickets, total %d", o.Status, len(o.Tickets), o.TotalCents)
	}
	for _, tk := range o.Tickets {
		if tk.Section != "Floor" || tk.Row != nil || tk.Number != nil {
			t.Fatalf("GA ticket %+v", tk)
		}
	}
	f.wantCounts(f.event.ID, capacity-5, 0, 5)
	if n := f.gaAvailable(f.event.ID, "Floor"); n != 17 {
		t.Fatalf("floor %d", n)
	}
}

func TestCheckoutInvalidAndExpired(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.customer()
	h := f.hold(u, f.event.ID, booking.HoldRequest{BestAvailable: true, Quantity: 2})
	for _, tc := range []struct {
		name  string
		r     booking.OrderRequest
		field string
	}{
		{"no hold", booking.OrderRequest{PaymentToken: okCard}, "hold_id"},
		{"no token", booking.OrderRequest{HoldID: h.ID}, "payment_token"},
		{"bad delivery", booking.OrderRequest{HoldID: h.ID, PaymentToken: okCard, Delivery: "pigeon"}, "delivery"},
		{"too many add-ons", booking.OrderRequest{HoldID: h.ID, PaymentToken: okCard, AddOns: make([]booking.AddOnChoice, 21)}, "add_ons"},
		{"parking × 2", booking.OrderRequest{HoldID: h.ID, PaymentToken: okCard,
			AddOns: []booking.AddOnChoice{{AddOnID: addOnID(t, f, "Gold Parking"), Quantity: 2}}}, "add_ons[0].quantity"},
		{"unknown add-on", booking.OrderRequest{HoldID: h.ID, PaymentToken: okCard,
			AddOns: []booking.AddOnChoice{{AddOnID: "add_nope", Quantity: 1}}}, "add_ons[0].add_on_id"},
		{"unknown token", booking.OrderRequest{HoldID: h.ID, PaymentToken: "tok_nope"}, "payment_token"},
	} {
		_, err := f.svc.PlaceOrder(f.ctx, u, tc.r)
		wantField(t, err, tc.field, tc.name)
		if s := f.holdStatus(u, h.ID); s != booking.HoldActive {
			t.Fatalf("%s: hold is %s", tc.name, s)
		}
	}
	if len(f.pay.Charges()) != 0 {
		t.Fatalf("invalid orders were charged")
	}
	if m := ordersOf(t, f, u); m[booking.OrderPaid]+m[booking.OrderPending] != 0 {
		t.Fatalf("orders %v", m)
	}
	f.wantCounts(f.event.ID, capacity-2, 2, 0)

	_, err := f.svc.PlaceOrder(f.ctx, u, booking.OrderRequest{HoldID: "hld_nope", PaymentToken: okCard})
	wantCode(t, err, apperr.NotFound, "unknown hold")

	f.clk.Advance(holdTTL)
	_, err = f.svc.PlaceOrder(f.ctx, u, booking.OrderRequest{HoldID: h.ID, PaymentToken: okCard})
	wantCode(t, err, apperr.HoldNotActive, "expired hold")
	if f.pay.Calls() != 1 || len(f.pay.Charges()) != 0 { // the unknown token reached the provider
		t.Fatalf("calls %d, charges %d", f.pay.Calls(), len(f.pay.Charges()))
	}
}

func TestCheckoutDeclinedThenPaid(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.customer()
	h := f.hold(u, f.event.ID, booking.HoldRequest{BestAvailable: true, Quantity: 2})
	for _, tok := range []string{badCard, "tok_chargeDeclinedInsufficientFunds"} {
		_, err := f.svc.PlaceOrder(f.ctx, u, booking.OrderRequest{HoldID: h.ID, PaymentToken: tok})
		wantCode(t, err, apperr.PaymentDeclined, tok)
		hh, err := f.svc.Hold(f.ctx, u, h.ID)
		if err != nil || hh.Status != booking.HoldActive || !hh.ExpiresAt.Equal(h.ExpiresAt) {
			t.Fatalf("after %s the hold is %+v, %v", tok, hh, err)
		}
		f.checkHolds(f.event.ID, []booking.Hold{h})
	}
	if m := ordersOf(t, f, u); m[booking.OrderPaid] != 0 || m[booking.OrderPending] != 0 || m[booking.OrderPaymentFailed] != 2 {
		t.Fatalf("orders after two declines: %v", m)
	}
	if len(f.pay.Charges()) != 0 {
		t.Fatalf("declines charged")
	}
	// The hold still expires on time after a decline.
	f.clk.Advance(holdTTL - time.Second)
	o := f.order(u, h.ID, okCard)
	if o.Status != booking.OrderPaid || len(o.Tickets) != 2 || f.pay.ChargeCount(o.ID) != 1 || len(f.pay.Charges()) != 1 {
		t.Fatalf("retry: %s, %d tickets, %d charges", o.Status, len(o.Tickets), len(f.pay.Charges()))
	}
	if m := ordersOf(t, f, u); m[booking.OrderPaid] != 1 || m[booking.OrderPaymentFailed] != 2 {
		t.Fatalf("orders %v", m)
	}
	f.wantCounts(f.event.ID, capacity-2, 0, 2)
}

func TestCheckoutDeclinedHoldKeepsItsExpiry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.customer()
	h := f.hold(u, f.event.ID, booking.HoldRequest{BestAvailable: true, Quantity: 2})
	_, err := f.svc.PlaceOrder(f.ctx, u, booking.OrderRequest{HoldID: h.ID, PaymentToken: badCard})
	wantCode(t, err, apperr.PaymentDeclined, "decline")
	f.clk.Advance(holdTTL)
	if s := f.holdStatus(u, h.ID); s != booking.HoldExpired {
		t.Fatalf("hold is %s after its time", s)
	}
	f.wantCounts(f.event.ID, capacity, 0, 0)
	if n, err := f.svc.ExpireHolds(f.ctx); n != 1 || err != nil {
		t.Fatalf("ExpireHolds = %d, %v", n, err)
	}
}

func TestCheckoutProviderOutage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.customer()
	h := f.hold(u, f.event.ID, booking.HoldRequest{BestAvailable: true, Quantity: 2})
	_, err := f.svc.PlaceOrder(f.ctx, u, booking.OrderRequest{HoldID: h.ID, PaymentToken: errorCard})
	wantCode(t, err, apperr.Unavailable, "tok_processingError")
	if len(f.pay.Charges()) != 0 {
		t.Fatalf("charged: %+v", f.pay.Charges())
	}
	if s := f.holdStatus(u, h.ID); s != booking.HoldActive {
		t.Fatalf("hold is %s", s)
	}
	f.checkHolds(f.event.ID, []booking.Hold{h})

	f.pay.OutageNext(1)
	_, err = f.svc.PlaceOrder(f.ctx, u, booking.OrderRequest{HoldID: h.ID, PaymentToken: okCard})
	wantCode(t, err, apperr.Unavailable, "injected outage")
	if len(f.pay.Charges()) != 0 || f.holdStatus(u, h.ID) != booking.HoldActive {
		t.Fatalf("after an outage: %d charges, hold %s", len(f.pay.Charges()), f.holdStatus(u, h.ID))
	}
	if m := ordersOf(t, f, u); m[booking.OrderPending]+m[booking.OrderPaid] != 0 {
		t.Fatalf("orders %v", m)
	}

	o := f.order(u, h.ID, okCard)
	if o.Status != booking.OrderPaid || len(f.pay.Charges()) != 1 || f.pay.ChargeCount(o.ID) != 1 {
		t.Fatalf("after the outage: %s, %d charges", o.Status, len(f.pay.Charges()))
	}
}

func TestCheckoutLostResponse(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.customer()
	h := f.hold(u, f.event.ID, booking.HoldRequest{BestAvailable: true, Quantity: 2})
	f.pay.LoseResponseNext(1)
	o := f.order(u, h.ID, okCard)
	if o.Status != booking.OrderPaid || len(o.Tickets) != 2 {
		t.Fatalf("order %s, %d tickets", o.Status, len(o.Tickets))
	}
	charges := f.pay.Charges()
	if len(charges) != 1 || f.pay.ChargeCount(o.ID) != 1 || o.Payment.ChargeID != charges[0].ID {
		t.Fatalf("charges %+v for order %+v", charges, o.Payment)
	}
	f.wantCounts(f.event.ID, capacity-2, 0, 2)
}

func TestCheckoutConcurrentOrdersForOneHold(t *testing.T) {
	t.Parallel()
	// Some latency, so that the racers overlap the charge.
	f := newFixtureWith(t, fixtureOptions{latency: 20 * time.Millisecond})
	u := f.customer()
	h := f.hold(u, f.event.ID, booking.HoldRequest{BestAvailable: true, Quantity: 2})
	orders, errs := race(50, func(int) (booking.Order, error) {
		return f.svc.PlaceOrder(f.ctx, u, booking.OrderRequest{HoldID: h.ID, PaymentToken: okCard})
	})
	if got := tally(errs); got[""] != 1 || got[apperr.HoldNotActive] != 49 || len(got) != 2 {
		t.Fatalf("outcomes %v; want 1 order and 49 hold_not_active", got)
	}
	var paid booking.Order
	for i, o := range orders {
		if errs[i] == nil {
			paid = o
		}
	}
	if paid.Status != booking.OrderPaid || len(paid.Tickets) != 2 {
		t.Fatalf("order %s, %d tickets", paid.Status, len(paid.Tickets))
	}
	if len(f.pay.Charges()) != 1 || f.pay.ChargeCount(paid.ID) != 1 || f.pay.Calls() != 1 {
		t.Fatalf("%d charges, %d calls", len(f.pay.Charges()), f.pay.Calls())
	}
	if m := ordersOf(t, f, u); m[booking.OrderPaid] != 1 || len(m) != 1 {
		t.Fatalf("orders %v", m)
	}
	f.wantCounts(f.event.ID, capacity-2, 0, 2)
}

// crashProvider stages a crash between the charge and the commit: Charge
// fails with a plain (non-apperr) error, as a broken connection does, after
// charging if charge is set; Lookup fails the first lookups times.
func crashProvider(charge bool, lookups int32, charged *atomic.Int32) func(f *fixture) payment.Provider {
	return func(f *fixture) payment.Provider {
		var crashes, failedLookups atomic.Int32
		p := &hookProvider{Fake: f.pay}
		p.charge = func(ctx context.Context, req payment.ChargeRequest) (payment.Charge, error) {
			if crashes.Add(1) > 1 {
				return f.pay.Charge(ctx, req)
			}
			if charge {
				if _, err := f.pay.Charge(ctx, req); err != nil {
					return payment.Charge{}, err
				}
				charged.Add(1)
			}
			return payment.Charge{}, errors.New("read tcp 10.0.0.1:443: connection reset by peer")
		}
		p.lookup = func(ctx context.Context, key string) (payment.Charge, error) {
			if failedLookups.Add(1) <= lookups {
				return payment.Charge{}, errors.New("dial tcp: i/o timeout")
			}
			return f.pay.Lookup(ctx, key)
		}
		return p
	}
}

// pendingOrder returns the buyer's only order, which must be pending.
func pendingOrder(t *testing.T, f *fixture, u account.User) booking.Order {
	t.Helper()
	os, err := f.svc.Orders(f.ctx, u, false, booking.ListQuery{Limit: 10})
	if err != nil || len(os) != 1 || os[0].Status != booking.OrderPending {
		var st []booking.OrderStatus
		for _, o := range os {
			st = append(st, o.Status)
		}
		t.Fatalf("orders %v, %v; want one pending", st, err)
	}
	return os[0]
}

func TestReconcileChargedOrder(t *testing.T) {
	t.Parallel()
	var charged atomic.Int32
	f := newFixtureWith(t, fixtureOptions{provider: crashProvider(true, 1, &charged)})
	u := f.customer()
	h := f.hold(u, f.event.ID, booking.HoldRequest{BestAvailable: true, Quantity: 2})
	_, err := f.svc.PlaceOrder(f.ctx, u, booking.OrderRequest{HoldID: h.ID, PaymentToken: okCard})
	if err == nil {
		t.Fatalf("the order went through although the provider's answer and lookup failed")
	}
	wantCode(t, err, apperr.Unavailable, "charge with unknown outcome")
	if charged.Load() != 1 || len(f.pay.Charges()) != 1 {
		t.Fatalf("the staged crash did not charge")
	}
	o := pendingOrder(t, f, u)
	// Charged but not committed: the seats stay the buyer's, past the hold's time.
	f.clk.Advance(2 * holdTTL)
	if s := f.holdStatus(u, h.ID); s != booking.HoldActive {
		t.Fatalf("hold with a pending order is %s", s)
	}
	_, err = f.svc.PlaceHold(f.ctx, f.customer(), f.event.ID, booking.HoldRequest{SeatIDs: []string{h.Seats[0].ID}})
	wantCode(t, err, apperr.SeatsUnavailable, "seat of a pending order")
	if n, _ := f.svc.ExpireHolds(f.ctx); n != 0 {
		t.Fatalf("the sweeper expired %d holds", n)
	}
	_, err = f.svc.PlaceOrder(f.ctx, u, booking.OrderRequest{HoldID: h.ID, PaymentToken: okCard})
	wantCode(t, err, apperr.HoldNotActive, "second order while one is pending")
	f.wantCounts(f.event.ID, capacity-2, 2, 0)

	n, err := f.svc.ReconcilePending(f.ctx, time.Minute)
	if err != nil || n != 1 {
		t.Fatalf("ReconcilePending = %d, %v; want 1", n, err)
	}
	got := f.orderOf(o.ID)
	if got.Status != booking.OrderPaid || len(got.Tickets) != 2 || got.Payment.ChargeID != f.pay.Charges()[0].ID {
		t.Fatalf("after reconcile: %s, %d tickets, charge %q", got.Status, len(got.Tickets), got.Payment.ChargeID)
	}
	if len(f.pay.Charges()) != 1 || f.pay.ChargeCount(o.ID) != 1 {
		t.Fatalf("%d charges", len(f.pay.Charges()))
	}
	if s := f.holdStatus(u, h.ID); s != booking.HoldConverted {
		t.Fatalf("hold is %s", s)
	}
	f.wantCounts(f.event.ID, capacity-2, 0, 2)
	for _, tk := range got.Tickets {
		if _, err := f.svc.CheckIn(f.ctx, f.staff, tk.Barcode); err != nil {
			t.Fatalf("check in: %v", err)
		}
	}
	if n, err := f.svc.ReconcilePending(f.ctx, time.Minute); err != nil || n != 0 {
		t.Fatalf("second reconcile = %d, %v", n, err)
	}
}

func TestReconcileWaitsForGrace(t *testing.T) {
	t.Parallel()
	var charged atomic.Int32
	f := newFixtureWith(t, fixtureOptions{provider: crashProvider(true, 1, &charged)})
	u := f.customer()
	h := f.hold(u, f.event.ID, booking.HoldRequest{BestAvailable: true, Quantity: 1})
	_, err := f.svc.PlaceOrder(f.ctx, u, booking.OrderRequest{HoldID: h.ID, PaymentToken: okCard})
	wantCode(t, err, apperr.Unavailable, "charge with unknown outcome")
	pendingOrder(t, f, u)
	f.clk.Advance(30 * time.Second)
	if n, err := f.svc.ReconcilePending(f.ctx, time.Minute); err != nil || n != 0 {
		t.Fatalf("reconcile within grace = %d, %v; want 0", n, err)
	}
	pendingOrder(t, f, u)
	f.clk.Advance(31 * time.Second)
	if n, err := f.svc.ReconcilePending(f.ctx, time.Minute); err != nil || n != 1 {
		t.Fatalf("reconcile after grace = %d, %v; want 1", n, err)
	}
}

func TestReconcileUnchargedOrder(t *testing.T) {
	t.Parallel()
	var charged atomic.Int32
	f := newFixtureWith(t, fixtureOptions{provider: crashProvider(false, 1, &charged)})
	u := f.customer()
	h := f.hold(u, f.event.ID, booking.HoldRequest{BestAvailable: true, Quantity: 2})
	_, err := f.svc.PlaceOrder(f.ctx, u, booking.OrderRequest{HoldID: h.ID, PaymentToken: okCard})
	wantCode(t, err, apperr.Unavailable, "charge with unknown outcome")
	o := pendingOrder(t, f, u)
	f.wantCounts(f.event.ID, capacity-2, 2, 0)

	f.clk.Advance(2 * time.Minute)
	n, err := f.svc.ReconcilePending(f.ctx, time.Minute)
	if err != nil || n != 1 {
		t.Fatalf("ReconcilePending = %d, %v; want 1", n, err)
	}
	if got := f.orderOf(o.ID); got.Status != booking.OrderPaymentFailed || len(got.Tickets) != 0 {
		t.Fatalf("order %s with %d tickets", got.Status, len(got.Tickets))
	}
	if len(f.pay.Charges()) != 0 {
		t.Fatalf("charges %+v", f.pay.Charges())
	}
	hh, err := f.svc.Hold(f.ctx, u, h.ID)
	if err != nil || hh.Status != booking.HoldActive || !hh.ExpiresAt.Equal(h.ExpiresAt) {
		t.Fatalf("hold after reconcile: %+v, %v", hh, err)
	}
	f.checkHolds(f.event.ID, []booking.Hold{h})
	paid := f.order(u, h.ID, okCard)
	if paid.Status != booking.OrderPaid || f.pay.ChargeCount(paid.ID) != 1 || len(f.pay.Charges()) != 1 {
		t.Fatalf("retry: %s, %d charges", paid.Status, len(f.pay.Charges()))
	}
}
