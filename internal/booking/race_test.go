package booking_test

import (
	"testing"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

const racers = 200

// winners returns the holds of the goroutines that got one.
func winners(holds []booking.Hold, errs []error) []booking.Hold {
	var out []booking.Hold
	for i, h := range holds {
		if errs[i] == nil {
			out = append(out, h)
		}
	}
	return out
}

func TestRaceForOneSeat(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	users := f.customers(racers)
	seat := f.seatID(f.event.ID, "Lower", "A", 5)
	holds, errs := race(racers, func(i int) (booking.Hold, error) {
		return f.svc.PlaceHold(f.ctx, users[i], f.event.ID, booking.HoldRequest{SeatIDs: []string{seat}})
	})
	if got := tally(errs); got[""] != 1 || got[apperr.SeatsUnavailable] != racers-1 || len(got) != 2 {
		t.Fatalf("outcomes %v; want 1 winner and %d seats_unavailable", got, racers-1)
	}
	won := winners(holds, errs)
	f.checkHolds(f.event.ID, won)
	f.wantCounts(f.event.ID, capacity-1, 1, 0)

	// And again for a pair of seats where every racer wants one of them
	// and half also want the other: still one winner per seat at most.
	a6, a7 := f.seatID(f.event.ID, "Lower", "A", 6), f.seatID(f.event.ID, "Lower", "A", 7)
	holds2, errs := race(racers, func(i int) (booking.Hold, error) {
		r := booking.HoldRequest{SeatIDs: []string{a6, a7}}
		if i%2 == 1 {
			r.SeatIDs = []string{a7}
		}
		return f.svc.PlaceHold(f.ctx, users[i], f.event.ID, r)
	})
	got := tally(errs)
	if got[""] != 1 || got[apperr.SeatsUnavailable] != racers-1 {
		t.Fatalf("outcomes %v; want 1 winner and %d seats_unavailable", got, racers-1)
	}
	won = append(won, winners(holds2, errs)...)
	f.checkHolds(f.event.ID, won)
}

func TestRaceBestAvailablePairs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// 100 seats in rows of 10, which best-available pairs up without
	// leaving single seats: exactly 50 pairs can be sold.
	v := f.newVenue([]catalog.SectionInput{
		{Name: "Stalls", Rows: []catalog.Row{{Name: "A", Seats: 10}, {Name: "B", Seats: 10}, {Name: "C", Seats: 10}, {Name: "D", Seats: 10}, {Name: "E", Seats: 10}, {Name: "F", Seats: 10}}},
		{Name: "Circle", Rows: []catalog.Row{{Name: "A", Seats: 10}, {Name: "B", Seats: 10}, {Name: "C", Seats: 10}, {Name: "D", Seats: 10}}},
	})
	ev := f.newEvent(v, nil)
	users := f.customers(racers)
	holds, errs := race(racers, func(i int) (booking.Hold, error) {
		return f.svc.PlaceHold(f.ctx, users[i], ev.ID, booking.HoldRequest{BestAvailable: true, Quantity: 2})
	})
	if got := tally(errs); got[""] != 50 || got[apperr.SeatsUnavailable] != racers-50 || len(got) != 2 {
		t.Fatalf("outcomes %v; want 50 winners and %d seats_unavailable", got, racers-50)
	}
	won := winners(holds, errs)
	for _, h := range won {
		if len(h.Seats) != 2 {
			t.Fatalf("hold %s has %d seats", h.ID, len(h.Seats))
		}
		adjacentInOneRow(t, h.Seats)
	}
	f.checkHolds(ev.ID, won)
	f.wantCounts(ev.ID, 0, 100, 0)
}

func TestRaceLastGAPlaces(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ev := f.newEvent(f.venue, func(in *catalog.EventInput) { in.MaxTicketsPerUser = ptr(20) })
	early := f.hold(f.customer(), ev.ID, booking.HoldRequest{Section: "Floor", Quantity: 15})
	users := f.customers(racers)
	holds, errs := race(racers, func(i int) (booking.Hold, error) {
		return f.svc.PlaceHold(f.ctx, users[i], ev.ID, booking.HoldRequest{Section: "Floor", Quantity: 1})
	})
	if got := tally(errs); got[""] != 5 || got[apperr.SeatsUnavailable] != racers-5 || len(got) != 2 {
		t.Fatalf("outcomes %v; want 5 winners and %d seats_unavailable", got, racers-5)
	}
	f.checkHolds(ev.ID, append(winners(holds, errs), early))
	if n := f.gaAvailable(ev.ID, "Floor"); n != 0 {
		t.Fatalf("floor shows %d available", n)
	}
	f.wantCounts(ev.ID, capacity-20, 20, 0)
}

// TestRaceHoldsAgainstSweepAndCheckout mixes everything that changes seats
// at once: holds, releases, checkouts, the sweeper and expiry, and checks
// the invariants once it settles.
func TestRaceHoldsAgainstSweepAndCheckout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	users := f.customers(60)
	// Half the buyers hold first and will pay or release during the race.
	first := make([]booking.Hold, 30)
	for i := range first {
		first[i] = f.hold(users[i], f.event.ID, booking.HoldRequest{BestAvailable: true, Quantity: 1})
	}
	f.clk.Advance(holdTTL - 1) // the next holds live 5 minutes, these 1 ns more
	type result struct {
		hold  booking.Hold
		order booking.Order
	}
	res, errs := race(90, func(i int) (result, error) {
		switch {
		case i < 10:
			o, err := f.svc.PlaceOrder(f.ctx, users[i], booking.OrderRequest{HoldID: first[i].ID, PaymentToken: okCard})
			return result{order: o}, err
		case i < 20:
			return result{}, f.svc.ReleaseHold(f.ctx, users[i], first[i].ID)
		case i < 30:
			_, err := f.svc.ExpireHolds(f.ctx)
			return result{}, err
		default:
			h, err := f.svc.PlaceHold(f.ctx, users[i-30], f.event.ID, booking.HoldRequest{BestAvailable: true, Quantity: 1})
			return result{hold: h}, err
		}
	})
	var holds []booking.Hold
	sold := 0
	for i, r := range res {
		switch {
		case i < 30 && errs[i] != nil:
			t.Fatalf("goroutine %d: %v", i, errs[i])
		case i < 10:
			sold += len(r.order.Tickets)
		case i >= 30 && errs[i] == nil:
			holds = append(holds, r.hold)
		case i >= 30:
			wantCode(t, errs[i], apperr.SeatsUnavailable, "a losing hold")
		}
	}
	for i := 20; i < 30; i++ {
		holds = append(holds, first[i])
	}
	// 46 reserved seats: 30 held before, of which 10 were released.
	if sold != 10 || len(holds) < 10+16 || len(holds) > 10+26 {
		t.Fatalf("sold %d, %d holds", sold, len(holds))
	}
	f.checkHolds(f.event.ID, holds)
	c := f.counts(f.event.ID)
	if c.Sold != 10 || c.Held != len(holds) {
		t.Fatalf("counts %+v, want 10 sold and %d held", c, len(holds))
	}
	f.clk.Advance(holdTTL)
	f.wantCounts(f.event.ID, capacity-10, 0, 10)
	if n, err := f.svc.ExpireHolds(f.ctx); err != nil || n != len(holds) {
		t.Fatalf("ExpireHolds = %d, %v; want %d", n, err, len(holds))
	}
	f.wantCounts(f.event.ID, capacity-10, 0, 10)
}
