package storetest

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/payment"
)

// The group commit (booking/groupcommit.go) puts many buyers' holds and
// checkouts in one transaction of the engine. These tests run it on the
// engine itself: a batch in which some steps fail must commit the others
// and only those, and batches of several instances must sell every place
// exactly once.
func exerciseGroupCommit(t *testing.T, newStore func(t *testing.T) Engine) {
	parallel(t, newStore, map[string]func(t *testing.T, s Engine){
		"OneBatchSomeStepsFail":  testBatchSomeStepsFail,
		"InstancesSellOut":       testBatchedInstancesSellOut,
		"TicketLimitWithinBatch": testBatchTicketLimit,
	})
}

// batchedService is one instance's booking rules on s, with its own group
// commit; observe is told of each batch's size.
func batchedService(s Engine, gc booking.GroupCommit) *booking.Service {
	clk := clock.NewFake(now)
	pay := payment.NewFake(payment.FakeOptions{Now: clk.Now, Ledger: s.PaymentLedger()})
	return booking.NewService(s, pay, clk, booking.Options{Secret: []byte("storetest"), GroupCommit: gc})
}

// waitPending waits until svc has n steps of eventID waiting for a batch.
func waitPending(t *testing.T, svc *booking.Service, eventID string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for svc.PendingWrites(eventID) < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d steps are waiting for a batch", svc.PendingWrites(eventID), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// testBatchSomeStepsFail gathers five holds in one batch (they wait behind
// a first one, which waits for a lock the test holds): two want the same
// seat, one asks for more than the ticket limit, one names a seat that is
// sold. The others must commit with their seats; the failing ones must
// fail with their own errors and leave nothing behind.
func testBatchSomeStepsFail(t *testing.T, s Engine) {
	ctx := context.Background()
	e := newEvent(t, s, newVenue(t, s, catalog.VenueInput{Sections: []catalog.SectionInput{
		{Name: "A", Rows: []catalog.Row{{Name: "1", Seats: 10}}},
		{Name: "GA", GeneralAdmission: true, Capacity: 5},
	}}), catalog.EventInput{MaxTicketsPerUser: ptr(4)})
	var sizes []int
	var mu sync.Mutex
	svc := batchedService(s, booking.GroupCommit{MaxBatch: 64, Concurrency: 1, Observe: func(n int, _ time.Duration) {
		mu.Lock()
		sizes = append(sizes, n)
		mu.Unlock()
	}})
	a := seatNos(t, s, e.ID, "A", "1")
	sold := placeHold(t, s, e.ID, newUser(t, s), a[5:6], holdOpts{})
	buy(t, s, sold, now)

	first, blocker := newUser(t, s), make(chan struct{})
	type try struct {
		name string
		user account.User
		req  booking.HoldRequest
		want apperr.Code // "" for success
		// rival: exactly one of the tries with this set wins, the others
		// fail with want.
		rival bool
		h     booking.Hold
		err   error
	}
	id := func(no int64) string { return strconv.FormatInt(no, 10) }
	tries := []*try{
		{name: "first", user: first, req: booking.HoldRequest{SeatIDs: []string{id(a[0])}}},
		{name: "seat 2", user: newUser(t, s), req: booking.HoldRequest{SeatIDs: []string{id(a[1])}}, want: apperr.SeatsUnavailable, rival: true},
		{name: "seat 2 again", user: newUser(t, s), req: booking.HoldRequest{SeatIDs: []string{id(a[1]), id(a[2])}}, want: apperr.SeatsUnavailable, rival: true},
		{name: "best pair", user: newUser(t, s), req: booking.HoldRequest{BestAvailable: true, Quantity: 2}},
		{name: "over the limit", user: newUser(t, s), req: booking.HoldRequest{BestAvailable: true, Quantity: 5}, want: apperr.TicketLimitExceeded},
		{name: "sold seat", user: newUser(t, s), req: booking.HoldRequest{SeatIDs: []string{id(a[5])}}, want: apperr.SeatsUnavailable},
		{name: "GA", user: newUser(t, s), req: booking.HoldRequest{Section: "GA", Quantity: 3}},
	}
	// Hold the first buyer's lock (and, on SQLite, the writer) so that the
	// first batch waits and the others gather behind it.
	locked := make(chan struct{})
	go func() {
		_ = s.InTx(ctx, func(tx booking.Tx) error {
			if err := tx.LockUserEvent(ctx, first.ID, e.ID); err != nil {
				return err
			}
			close(locked)
			<-blocker
			return nil
		})
	}()
	<-locked
	var wg sync.WaitGroup
	run := func(tr *try) {
		wg.Go(func() { tr.h, tr.err = svc.PlaceHold(ctx, tr.user, e.ID, tr.req) })
	}
	run(tries[0])
	// The first batch has taken the first hold and waits on the lock; the
	// rest are pending together. (The batch runs its steps in the order of
	// the buyers' ids, so which of the two rivals comes first is chance.)
	time.Sleep(20 * time.Millisecond)
	for _, tr := range tries[1:] {
		run(tr)
		waitPending(t, svc, e.ID, slices.Index(tries, tr))
	}
	close(blocker)
	wg.Wait()

	mu.Lock()
	got := slices.Clone(sizes)
	mu.Unlock()
	if slices.Max(got) < len(tries)-1 {
		t.Errorf("batch sizes %v, want one batch of (at least) the %d later holds", got, len(tries)-1)
	}
	owner := map[int64]string{}
	rivalsWon := 0
	for _, tr := range tries {
		if tr.rival && tr.err == nil {
			rivalsWon++
		} else if code := apperr.CodeOf(tr.err); tr.err != nil && code != tr.want || tr.err == nil && tr.want != "" {
			t.Errorf("%s: err %v, want %q", tr.name, tr.err, tr.want)
			continue
		}
		if tr.err != nil {
			continue
		}
		stored := hold(t, s, tr.h.ID)
		if len(stored.Seats) != tr.h.Quantity || tr.h.Quantity == 0 {
			t.Errorf("%s: stored hold has %d seats, answer %d", tr.name, len(stored.Seats), tr.h.Quantity)
		}
		for _, hs := range stored.Seats {
			if prev, ok := owner[hs.No]; ok {
				t.Errorf("seat %d is in two holds (%s, %s)", hs.No, prev, tr.name)
			}
			owner[hs.No] = tr.name
		}
	}
	if rivalsWon != 1 {
		t.Errorf("%d of the two holds that want seat 2 won, want 1", rivalsWon)
	}
	// Only the winners' seats are held; the losers left nothing.
	for _, st := range seats(t, s, e.ID) {
		held := st.Status(now) == booking.SeatHeld
		if _, ok := owner[st.No]; ok != held {
			t.Errorf("seat %d held=%v, but in a winning hold: %v", st.No, held, ok)
		}
	}
	c := seatCounts(t, s, e.ID, now)
	if c.Held != len(owner) || c.Sold != 1 || c.Available+c.Held+c.Sold != c.Capacity {
		t.Errorf("counts %+v, want %d held, 1 sold, balanced", c, len(owner))
	}
}

// testBatchedInstancesSellOut sells a venue out through three instances'
// group commits at once: 40 buyers each hold the best pair (a single once
// pairs are gone) and pay, until nothing is left. Every place must be sold
// exactly once, every answer must be a sale or "sold out", and the books
// must balance.
func testBatchedInstancesSellOut(t *testing.T, s Engine) {
	ctx := context.Background()
	v := newVenue(t, s, catalog.VenueInput{Sections: []catalog.SectionInput{
		{Name: "A", Rows: []catalog.Row{{Name: "1", Seats: 15}, {Name: "2", Seats: 16}, {Name: "3", Seats: 17}}},
		{Name: "B", Rows: []catalog.Row{{Name: "1", Seats: 21}, {Name: "2", Seats: 9}}},
	}})
	e := newEvent(t, s, v, catalog.EventInput{MaxTicketsPerUser: ptr(100)})
	var svcs []*booking.Service
	for range 3 {
		svcs = append(svcs, batchedService(s, booking.GroupCommit{MaxBatch: 8, Concurrency: 2}))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	tickets := map[int64]int{}
	var failures atomic.Int64
	for i := range 40 {
		u := newUser(t, s)
		svc := svcs[i%len(svcs)]
		wg.Go(func() {
			qty := 2
			for {
				h, err := svc.PlaceHold(ctx, u, e.ID, booking.HoldRequest{BestAvailable: true, Quantity: qty})
				if apperr.CodeOf(err) == apperr.SeatsUnavailable {
					if qty == 2 {
						qty = 1
						continue
					}
					return
				}
				if err != nil {
					failures.Add(1)
					t.Errorf("hold: %v", err)
					return
				}
				o, err := svc.PlaceOrder(ctx, u, booking.OrderRequest{HoldID: h.ID, PaymentToken: "tok_visa"})
				if err != nil {
					failures.Add(1)
					t.Errorf("order: %v", err)
					return
				}
				mu.Lock()
				for _, tk := range o.Tickets {
					tickets[tk.SeatNo]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for no, n := range tickets {
		if n != 1 {
			t.Errorf("seat %d has %d tickets", no, n)
		}
	}
	c := seatCounts(t, s, e.ID, now)
	if c.Sold != v.Capacity || len(tickets) != v.Capacity || c.Available != 0 || c.Held != 0 {
		t.Errorf("after the sell-out: counts %+v, %d seats ticketed, want all %d sold once", c, len(tickets), v.Capacity)
	}
}

// testBatchTicketLimit sends one buyer's six holds of two at once, with a
// limit of four: whichever batches they land in, exactly two may win.
func testBatchTicketLimit(t *testing.T, s Engine) {
	ctx := context.Background()
	e := newEvent(t, s, smallVenue(t, s), catalog.EventInput{MaxTicketsPerUser: ptr(4)})
	u := newUser(t, s)
	var svcs []*booking.Service
	for range 2 {
		svcs = append(svcs, batchedService(s, booking.GroupCommit{MaxBatch: 64, Concurrency: 2}))
	}
	var won, limited atomic.Int64
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			_, err := svcs[i%2].PlaceHold(ctx, u, e.ID, booking.HoldRequest{BestAvailable: true, Quantity: 2})
			switch apperr.CodeOf(err) {
			case "":
				won.Add(1)
			case apperr.TicketLimitExceeded:
				limited.Add(1)
			default:
				t.Errorf("hold: %v", err)
			}
		})
	}
	wg.Wait()
	if won.Load() != 2 || limited.Load() != 4 {
		t.Errorf("%d holds won and %d hit the limit, want 2 and 4", won.Load(), limited.Load())
	}
}
