package storetest

import (
	"context"
	"sync"
	"testing"

	"github.com/boxoffice/boxoffice/internal/booking"
)

// testOrderNumbersAndCard: every order gets a short number from the
// database, distinct even when many transactions insert at once (as many
// instances do on one PostgreSQL) and later than every earlier one's; the
// card the provider charged is kept with the order.
func testOrderNumbersAndCard(t *testing.T, s Engine) {
	ctx := context.Background()
	e := smallEvent(t, s)
	first := insertOrder(t, s, placeHold(t, s, e.ID, newUser(t, s), seatNos(t, s, e.ID, "A", "")[0:1], holdOpts{}), now)
	n0 := order(t, s, first.ID).Number
	if n0 <= 0 {
		t.Fatalf("first order's number %d", n0)
	}
	places := append(seatNos(t, s, e.ID, "A", "")[1:], seatNos(t, s, e.ID, "GA", "")...)
	holds := make([]booking.Hold, len(places))
	for i, no := range places {
		holds[i] = placeHold(t, s, e.ID, newUser(t, s), []int64{no}, holdOpts{})
	}
	ids := make([]string, len(holds))
	var wg sync.WaitGroup
	for i, h := range holds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := newOrder(h, now)
			ids[i] = o.ID
			if err := tryInsertOrder(s, o); err != nil {
				t.Errorf("insert order: %v", err)
			}
		}()
	}
	wg.Wait()
	seen := map[int64]string{n0: first.ID}
	for _, id := range ids {
		n := order(t, s, id).Number
		if n <= n0 {
			t.Errorf("order %s number %d is not after the earlier order's %d", id, n, n0)
		}
		if other, dup := seen[n]; dup {
			t.Errorf("orders %s and %s share number %d", id, other, n)
		}
		seen[n] = id
	}

	paid := first
	paid.Status, paid.Payment.ChargeID, paid.Payment.CardBrand, paid.Payment.CardLast4 = booking.OrderPaid, "ch_1", "visa", "4242"
	paid.Number = n0
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error { return tx.UpdateOrder(ctx, paid) })
	checkOrder(t, order(t, s, first.ID), paid)
	os, err := s.Orders(ctx, booking.ListQuery{EventID: e.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range os {
		if o.ID == first.ID && (o.Payment.CardBrand != "visa" || o.Payment.CardLast4 != "4242" || o.Number != n0) {
			t.Errorf("listed order: card %q %q number %d", o.Payment.CardBrand, o.Payment.CardLast4, o.Number)
		}
	}
}
