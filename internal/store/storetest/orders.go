package storetest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/ids"
	"github.com/boxoffice/boxoffice/internal/notify"
)

func exerciseOrders(t *testing.T, newStore func(t *testing.T) Engine) {
	parallel(t, newStore, map[string]func(t *testing.T, s Engine){
		"OrderRoundTripAndUpdate":        testOrderRoundTrip,
		"OrderNotFound":                  testOrderNotFound,
		"OneLiveOrderPerHold":            testOneOrderPerHold,
		"PendingOrders":                  testPendingOrders,
		"PaidOrderIDs":                   testPaidOrderIDs,
		"RefundRequests":                 testRefundRequests,
		"OrderFigures":                   testOrderFigures,
		"SalesBreakdown":                 testSalesBreakdown,
		"OrdersWithoutFailedAttempts":    testOrdersNoFailed,
		"OrderNumbersAndCard":            testOrderNumbersAndCard,
		"OrdersNewestFirstWithPaging":    testOrdersListing,
		"EnqueueAndUserEmail":            testEnqueueAndUserEmail,
		"InTxRollsBackEverythingOnError": testInTxRollback,
	})
}

// checkOrder compares an order read back with the one stored.
func checkOrder(t *testing.T, got, want booking.Order) {
	t.Helper()
	if !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("order %s times created %v, updated %v; want %v, %v", want.ID, got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt)
	}
	if got.Tickets == nil {
		t.Errorf("order %s Tickets is nil, want an empty or full slice (the API shows [], not null)", want.ID)
	}
	byID := func(a, b booking.Ticket) int { return strings.Compare(a.ID, b.ID) }
	gotTickets, wantTickets := slices.Clone(got.Tickets), slices.Clone(want.Tickets)
	slices.SortFunc(gotTickets, byID)
	slices.SortFunc(wantTickets, byID)
	if len(gotTickets) != len(wantTickets) {
		t.Errorf("order %s has %d tickets, want %d", want.ID, len(gotTickets), len(wantTickets))
	} else {
		for i := range gotTickets {
			checkTicket(t, gotTickets[i], wantTickets[i])
		}
	}
	// The database numbers an order as it is inserted: an order built in
	// Go has no number yet, one read back has its own.
	if got.Number <= 0 {
		t.Errorf("order %s has number %d, want one the database gave", want.ID, got.Number)
	}
	if want.Number == 0 {
		want.Number = got.Number
	}
	got.CreatedAt, got.UpdatedAt, got.Tickets = want.CreatedAt, want.UpdatedAt, want.Tickets
	if !reflect.DeepEqual(got, want) {
		t.Errorf("order round trip:\n got %+v\nwant %+v", got, want)
	}
}

func testOrderRoundTrip(t *testing.T, s Engine) {
	e := smallEvent(t, s)
	u := newUser(t, s)
	h := placeHold(t, s, e.ID, u, seatNos(t, s, e.ID, "A", "")[0:2], holdOpts{})
	o := newOrder(h, now.Add(3*time.Millisecond))
	o.Delivery = "mobile"
	o.ConfirmBy, o.Phone = []string{"email", "sms"}, "+14155550100"
	o.LineItems = append(o.LineItems,
		booking.LineItem{Kind: booking.KindAddOn, Description: "Parking «P1»", AddOnID: ids.New("add"), Quantity: 1, UnitCents: 1200, TotalCents: 1200},
		booking.LineItem{Kind: booking.KindOrderFee, Description: "Order fee", Quantity: 1, UnitCents: 99, TotalCents: 99})
	o.FeesCents += 1299
	o.TotalCents += 1299
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error { return tx.InsertOrder(ctx, o) })

	checkOrder(t, order(t, s, o.ID), o)
	rollback(t, s, func(ctx context.Context, tx booking.Tx) error {
		got, err := tx.Order(ctx, o.ID)
		if err != nil {
			return err
		}
		checkOrder(t, got, o)
		return nil
	})

	// UpdateOrder writes status, payment, refunded amount and updated_at,
	// and nothing else.
	paid := o
	paid.Status, paid.Payment.ChargeID, paid.UpdatedAt = booking.OrderPaid, "ch_123", now.Add(time.Minute+5*time.Millisecond)
	sneaky := paid
	sneaky.Delivery, sneaky.CreatedAt = "changed", now.Add(time.Hour)
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error { return tx.UpdateOrder(ctx, sneaky) })
	checkOrder(t, order(t, s, o.ID), paid)

	refunded := paid
	refunded.Status, refunded.RefundedCents, refunded.UpdatedAt = booking.OrderRefunded, paid.TotalCents, now.Add(2*time.Minute)
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error { return tx.UpdateOrder(ctx, refunded) })
	checkOrder(t, order(t, s, o.ID), refunded)
}

func testOrderNotFound(t *testing.T, s Engine) {
	ctx := context.Background()
	e := smallEvent(t, s)
	insertOrder(t, s, placeHold(t, s, e.ID, newUser(t, s), seatNos(t, s, e.ID, "B", "")[:1], holdOpts{}), now)
	if _, err := s.Order(ctx, ids.New("ord")); !isNotFound(err) {
		t.Errorf("Order(unknown): %v, want not_found", err)
	}
	err := s.InTx(ctx, func(tx booking.Tx) error {
		_, err := tx.Order(ctx, ids.New("ord"))
		return err
	})
	if !isNotFound(err) {
		t.Errorf("Tx.Order(unknown): %v, want not_found", err)
	}
}

// tryInsertOrder stores o in its own transaction and returns the error.
func tryInsertOrder(s Engine, o booking.Order) error {
	ctx := context.Background()
	return s.InTx(ctx, func(tx booking.Tx) error { return tx.InsertOrder(ctx, o) })
}

// setOrderStatus moves an order to status.
func setOrderStatus(t *testing.T, s Engine, o *booking.Order, status booking.OrderStatus) {
	t.Helper()
	o.Status, o.UpdatedAt = status, o.UpdatedAt.Add(time.Second)
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error { return tx.UpdateOrder(ctx, *o) })
}

func testOneOrderPerHold(t *testing.T, s Engine) {
	e := smallEvent(t, s)
	h := placeHold(t, s, e.ID, newUser(t, s), seatNos(t, s, e.ID, "A", "")[0:2], holdOpts{})
	first := insertOrder(t, s, h, now)
	if err := tryInsertOrder(s, newOrder(h, now)); apperr.CodeOf(err) != apperr.HoldNotActive {
		t.Errorf("second order for a hold with a pending order: %v, want %q", err, apperr.HoldNotActive)
	}
	setOrderStatus(t, s, &first, booking.OrderPaymentFailed)
	second := newOrder(h, now.Add(time.Minute))
	if err := tryInsertOrder(s, second); err != nil {
		t.Fatalf("order for a hold whose only order failed: %v, want nil (failed payments do not block)", err)
	}
	if err := tryInsertOrder(s, newOrder(h, now)); apperr.CodeOf(err) != apperr.HoldNotActive {
		t.Errorf("third order while the second is pending: %v, want %q", err, apperr.HoldNotActive)
	}
	setOrderStatus(t, s, &second, booking.OrderPaid)
	if err := tryInsertOrder(s, newOrder(h, now)); apperr.CodeOf(err) != apperr.HoldNotActive {
		t.Errorf("order for a hold with a paid order: %v, want %q", err, apperr.HoldNotActive)
	}
	// Both earlier orders are still there, unchanged.
	checkOrder(t, order(t, s, first.ID), first)
	checkOrder(t, order(t, s, second.ID), second)
}

func orderIDs(os []booking.Order) []string {
	out := []string{}
	for _, o := range os {
		out = append(out, o.ID)
	}
	return out
}

func testPendingOrders(t *testing.T, s Engine) {
	ctx := context.Background()
	e, e2 := smallEvent(t, s), smallEvent(t, s)
	u := newUser(t, s)
	a := seatNos(t, s, e.ID, "A", "")
	mk := func(ev catalog.Event, i int) booking.Hold {
		return placeHold(t, s, ev.ID, u, a[i:i+1], holdOpts{at: now.Add(-time.Hour), until: now.Add(time.Hour)})
	}
	old := insertOrder(t, s, mk(e, 0), now.Add(-10*time.Minute))
	otherEvent := insertOrder(t, s, mk(e2, 0), now.Add(-8*time.Minute))
	recent := insertOrder(t, s, mk(e, 1), now.Add(-time.Minute))
	buy(t, s, mk(e, 2), now.Add(-20*time.Minute))
	failed := insertOrder(t, s, mk(e, 3), now.Add(-30*time.Minute))
	setOrderStatus(t, s, &failed, booking.OrderPaymentFailed)

	for _, tc := range []struct {
		before time.Time
		limit  int
		want   []string
	}{
		{now.Add(-5 * time.Minute), 10, []string{old.ID, otherEvent.ID}},
		{now, 10, []string{old.ID, otherEvent.ID, recent.ID}},
		{now, 1, []string{old.ID}},
		{now.Add(-10 * time.Minute), 10, []string{}}, // created before, not at
	} {
		os, err := s.PendingOrders(ctx, tc.before, tc.limit)
		if err != nil {
			t.Fatalf("PendingOrders: %v", err)
		}
		if got := orderIDs(os); !slices.Equal(got, tc.want) {
			t.Errorf("PendingOrders(before %v, limit %d) = %v, want %v oldest first", tc.before, tc.limit, got, tc.want)
		}
	}
	os, err := s.PendingOrders(ctx, now, 10)
	if err != nil || len(os) == 0 {
		t.Fatalf("PendingOrders: %v", err)
	}
	checkOrder(t, os[0], old)
}

func testPaidOrderIDs(t *testing.T, s Engine) {
	ctx := context.Background()
	e, e2 := smallEvent(t, s), smallEvent(t, s)
	u := newUser(t, s)
	a := seatNos(t, s, e.ID, "A", "")
	p1 := buy(t, s, placeHold(t, s, e.ID, u, a[0:1], holdOpts{}), now)
	p2 := buy(t, s, placeHold(t, s, e.ID, u, a[1:3], holdOpts{}), now.Add(time.Minute))
	insertOrder(t, s, placeHold(t, s, e.ID, u, a[3:4], holdOpts{}), now) // pending
	refunded := buy(t, s, placeHold(t, s, e.ID, u, a[4:5], holdOpts{}), now)
	setOrderStatus(t, s, &refunded, booking.OrderRefunded)
	buy(t, s, placeHold(t, s, e2.ID, u, a[0:1], holdOpts{}), now) // another event

	got, err := s.PaidOrderIDs(ctx, e.ID)
	if err != nil {
		t.Fatalf("PaidOrderIDs: %v", err)
	}
	want := []string{p1.ID, p2.ID}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("PaidOrderIDs = %v, want the event's paid orders %v", got, want)
	}
}

func testOrderFigures(t *testing.T, s Engine) {
	ctx := context.Background()
	e, e2 := smallEvent(t, s), smallEvent(t, s)
	u := newUser(t, s)
	a := seatNos(t, s, e.ID, "A", "")
	paid := buy(t, s, placeHold(t, s, e.ID, u, a[0:2], holdOpts{}), now)
	refunded := buy(t, s, placeHold(t, s, e.ID, u, a[2:3], holdOpts{}), now)
	refunded.RefundedCents = refunded.TotalCents
	setOrderStatus(t, s, &refunded, booking.OrderRefunded)
	insertOrder(t, s, placeHold(t, s, e.ID, u, a[3:4], holdOpts{}), now) // pending
	failed := insertOrder(t, s, placeHold(t, s, e.ID, u, a[4:5], holdOpts{}), now)
	setOrderStatus(t, s, &failed, booking.OrderPaymentFailed)
	buy(t, s, placeHold(t, s, e2.ID, u, a[0:3], holdOpts{}), now) // another event

	n, gross, ref, err := s.OrderFigures(ctx, e.ID)
	if err != nil {
		t.Fatalf("OrderFigures: %v", err)
	}
	if wantGross := paid.TotalCents + refunded.TotalCents; n != 2 || gross != wantGross || ref != refunded.TotalCents {
		t.Errorf("OrderFigures = %d orders, %d gross, %d refunded; want 2, %d, %d", n, gross, ref, wantGross, refunded.TotalCents)
	}
	e3 := smallEvent(t, s)
	if n, gross, ref, err := s.OrderFigures(ctx, e3.ID); err != nil || n != 0 || gross != 0 || ref != 0 {
		t.Errorf("OrderFigures of an event without orders = %d, %d, %d, %v; want zeros", n, gross, ref, err)
	}
}

// newestFirst sorts like the listings: created_at, then id, descending.
func newestFirst[T any](xs []T, created func(T) time.Time, id func(T) string) {
	slices.SortFunc(xs, func(a, b T) int {
		if c := created(b).Compare(created(a)); c != 0 {
			return c
		}
		return strings.Compare(id(b), id(a))
	})
}

// page walks a listing with BeforeID paging and returns every id seen.
func page[T any](t *testing.T, q booking.ListQuery, list func(booking.ListQuery) ([]T, error), created func(T) time.Time, id func(T) string) []string {
	t.Helper()
	var out []string
	for i := 0; ; i++ {
		if i > 100 {
			t.Fatalf("paging does not end")
		}
		xs, err := list(q)
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		if len(xs) > q.Limit {
			t.Fatalf("page of %d, limit %d", len(xs), q.Limit)
		}
		if len(xs) == 0 {
			return out
		}
		for _, x := range xs {
			out = append(out, id(x))
		}
		last := xs[len(xs)-1]
		q.Before, q.BeforeID = created(last), id(last)
	}
}

func testOrdersListing(t *testing.T, s Engine) {
	ctx := context.Background()
	e, e2 := smallEvent(t, s), smallEvent(t, s)
	u, other := newUser(t, s), newUser(t, s)
	a := seatNos(t, s, e.ID, "A", "")
	ga := seatNos(t, s, e.ID, "GA", "")

	var mine, all []booking.Order
	// Three orders share a created_at: the id breaks the tie.
	for i, ago := range []time.Duration{5, 4, 4, 4, 3, 1} {
		o := buy(t, s, placeHold(t, s, e.ID, u, a[i:i+1], holdOpts{}), now.Add(-ago*time.Minute))
		mine = append(mine, o)
	}
	inE2 := buy(t, s, placeHold(t, s, e2.ID, u, ga[0:2], holdOpts{}), now.Add(-2*time.Minute))
	mine = append(mine, inE2)
	theirs := buy(t, s, placeHold(t, s, e.ID, other, ga[0:1], holdOpts{}), now.Add(-30*time.Second))
	all = append(append(all, mine...), theirs)
	// One of mine is refunded: its tickets are void.
	voided := mine[1]
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error { return tx.VoidTickets(ctx, voided.ID) })

	orderCreated := func(o booking.Order) time.Time { return o.CreatedAt }
	orderID := func(o booking.Order) string { return o.ID }
	listOrders := func(q booking.ListQuery) ([]booking.Order, error) { return s.Orders(ctx, q) }
	sorted := func(os []booking.Order) []string {
		os = slices.Clone(os)
		newestFirst(os, orderCreated, orderID)
		return orderIDs(os)
	}
	for _, tc := range []struct {
		name string
		q    booking.ListQuery
		want []string
	}{
		{"mine", booking.ListQuery{UserID: u.ID, Limit: 2}, sorted(mine)},
		{"mine at one event", booking.ListQuery{UserID: u.ID, EventID: e.ID, Limit: 2}, sorted(mine[:6])},
		{"mine at the other event", booking.ListQuery{UserID: u.ID, EventID: e2.ID, Limit: 2}, []string{inE2.ID}},
		{"everyone's", booking.ListQuery{Limit: 3}, sorted(all)},
		{"everyone's at one event", booking.ListQuery{EventID: e.ID, Limit: 100}, sorted(append(slices.Clone(mine[:6]), theirs))},
	} {
		if got := page(t, tc.q, listOrders, orderCreated, orderID); !slices.Equal(got, tc.want) {
			t.Errorf("Orders(%s) paged = %v\nwant each once, newest first: %v", tc.name, got, tc.want)
		}
	}
	os, err := s.Orders(ctx, booking.ListQuery{UserID: u.ID, Limit: 100})
	if err != nil {
		t.Fatalf("Orders: %v", err)
	}
	for _, o := range os {
		if o.ID == inE2.ID {
			checkOrder(t, o, inE2)
		}
		if o.ID == voided.ID && (len(o.Tickets) != 1 || o.Tickets[0].Status != booking.TicketVoid) {
			t.Errorf("listed order %s has tickets %+v, want its one void ticket", o.ID, o.Tickets)
		}
	}

	ticketCreated := func(tk booking.Ticket) time.Time { return tk.CreatedAt }
	ticketID := func(tk booking.Ticket) string { return tk.ID }
	listTickets := func(q booking.ListQuery) ([]booking.Ticket, error) { return s.Tickets(ctx, q) }
	ticketIDs := func(os []booking.Order, validOnly bool) []string {
		var ts []booking.Ticket
		for _, o := range os {
			if validOnly && o.ID == voided.ID {
				continue
			}
			ts = append(ts, o.Tickets...)
		}
		newestFirst(ts, ticketCreated, ticketID)
		out := []string{}
		for _, tk := range ts {
			out = append(out, tk.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		q    booking.ListQuery
		want []string
	}{
		{"mine", booking.ListQuery{UserID: u.ID, Limit: 2}, ticketIDs(mine, false)},
		{"mine, valid only", booking.ListQuery{UserID: u.ID, ValidOnly: true, Limit: 2}, ticketIDs(mine, true)},
		{"mine at the other event", booking.ListQuery{UserID: u.ID, EventID: e2.ID, Limit: 1}, ticketIDs([]booking.Order{inE2}, false)},
		{"everyone's", booking.ListQuery{Limit: 3}, ticketIDs(all, false)},
		{"someone else's", booking.ListQuery{UserID: other.ID, Limit: 3}, ticketIDs([]booking.Order{theirs}, false)},
	} {
		if got := page(t, tc.q, listTickets, ticketCreated, ticketID); !slices.Equal(got, tc.want) {
			t.Errorf("Tickets(%s) paged = %v\nwant each once, newest first: %v", tc.name, got, tc.want)
		}
	}
}

func testEnqueueAndUserEmail(t *testing.T, s Engine) {
	u := newUser(t, s)
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error {
		email, err := tx.UserEmail(ctx, u.ID)
		if err != nil || email != u.Email {
			t.Errorf("UserEmail = %q, %v; want %q", email, err, u.Email)
		}
		if _, err := tx.UserEmail(ctx, ids.New("usr")); !isNotFound(err) {
			t.Errorf("UserEmail(unknown): %v, want not_found", err)
		}
		for range 2 {
			m := notify.Message{ID: ids.New("msg"), Channel: "email", To: email, Subject: "Your tickets", Body: "See you there.\n", CreatedAt: now}
			if err := tx.Enqueue(ctx, m); err != nil {
				t.Errorf("Enqueue: %v", err)
			}
		}
		return nil
	})
}

func testInTxRollback(t *testing.T, s Engine) {
	ctx := context.Background()
	e := smallEvent(t, s)
	u := newUser(t, s)
	a := seatNos(t, s, e.ID, "A", "")
	boom := errors.New("boom")
	var h booking.Hold
	var o booking.Order
	err := s.InTx(ctx, func(tx booking.Tx) error {
		ss, err := tx.SeatsByNo(ctx, e.ID, a[0:2])
		if err != nil {
			return err
		}
		h = booking.Hold{ID: ids.New("hld"), EventID: e.ID, UserID: u.ID, Status: booking.HoldActive, ExpiresAt: now.Add(time.Hour),
			Quantity: 2, Currency: "USD", CreatedAt: now}
		h.Seats, h.SubtotalCents = heldSeats(ss)
		if n, err := tx.ClaimSeats(ctx, e.ID, a[0:2], h.ID, h.ExpiresAt, now); err != nil || n != 2 {
			return errors.Join(err, errors.New("claim failed"))
		}
		if err := tx.InsertHold(ctx, h); err != nil {
			return err
		}
		o = newOrder(h, now)
		if err := tx.InsertOrder(ctx, o); err != nil {
			return err
		}
		if _, err := tx.SellSeats(ctx, h.ID, o.ID); err != nil {
			return err
		}
		if err := tx.InsertTickets(ctx, newTickets(o, h, now)); err != nil {
			return err
		}
		if err := tx.SetHoldStatus(ctx, h.ID, booking.HoldConverted, o.ID); err != nil {
			return err
		}
		if err := tx.SetEventStatus(ctx, e.ID, catalog.StatusCancelled); err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, notify.Message{ID: ids.New("msg"), Channel: "email", To: u.Email, Subject: "x", Body: "y", CreatedAt: now}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v, want fn's error", err)
	}
	if _, err := s.Hold(ctx, h.ID); !isNotFound(err) {
		t.Errorf("Hold after rollback: %v, want not_found", err)
	}
	if _, err := s.Order(ctx, o.ID); !isNotFound(err) {
		t.Errorf("Order after rollback: %v, want not_found", err)
	}
	if ts, err := s.Tickets(ctx, booking.ListQuery{UserID: u.ID, Limit: 10}); err != nil || len(ts) != 0 {
		t.Errorf("Tickets after rollback = %d, %v; want none", len(ts), err)
	}
	if c := seatCounts(t, s, e.ID, now); c.Available != 16 {
		t.Errorf("SeatCounts after rollback = %+v, want all 16 available", c)
	}
	if got, err := s.Event(ctx, e.ID); err != nil || got.Status != catalog.StatusPublished {
		t.Errorf("event status after rollback = %q, %v; want published", got.Status, err)
	}
	// The same work then commits.
	placeHold(t, s, e.ID, u, a[0:2], holdOpts{})
}
