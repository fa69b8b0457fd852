package booking_test

import (
	"context"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/booking"
)

// countingStore counts the reads of taken places that shared snapshots make.
type countingStore struct {
	booking.Store
	taken atomic.Int64
}

func (s *countingStore) TakenSeats(ctx context.Context, eventID string, now time.Time) ([]booking.TakenSeat, error) {
	s.taken.Add(1)
	return s.Store.TakenSeats(ctx, eventID, now)
}

// readService is a second service on the fixture's database, as another
// request path of the same process would have, whose reads are counted.
func (f *fixture) readService() (*booking.Service, *countingStore) {
	cs := &countingStore{Store: f.store}
	return booking.NewService(cs, f.pay, f.clk, booking.Options{HoldTTL: holdTTL, Secret: []byte("test-secret-0123456789abcdef")}), cs
}

// TestOffersStalenessBound checks that offers come from the shared snapshot:
// a hold shows once the snapshot is DefaultSnapshotMaxAge old and not
// before, an expired hold likewise, and reads in between cost nothing.
func TestOffersStalenessBound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	reads, cs := f.readService()
	q := booking.OfferQuery{Quantity: 10, Section: "Lower", Sort: "best"}
	rows := func() int {
		t.Helper()
		offers, err := reads.Offers(f.ctx, f.event.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		return len(offers)
	}
	if n := rows(); n != 3 {
		t.Fatalf("%d rows of 10 free, want 3", n)
	}
	a5 := f.seatID(f.event.ID, "Lower", "A", 5)
	f.hold(f.customer(), f.event.ID, booking.HoldRequest{SeatIDs: []string{a5}})
	f.clk.Advance(booking.DefaultSnapshotMaxAge - time.Millisecond)
	if n := rows(); n != 3 || cs.taken.Load() != 1 {
		t.Fatalf("within the bound: %d rows after %d reads, want the stale 3 from 1 read", n, cs.taken.Load())
	}
	f.clk.Advance(time.Millisecond)
	// At the bound the old answer is still served, while the snapshot is
	// read again in the background; the next caller gets the new one.
	if n := rows(); n != 3 {
		t.Fatalf("at the bound: %d rows, want the stale 3 while it is read again", n)
	}
	for deadline := time.Now().Add(10 * time.Second); cs.taken.Load() < 2 || reads.SnapshotReading(f.event.ID); {
		if time.Now().After(deadline) {
			t.Fatalf("the background read did not happen: %d reads", cs.taken.Load())
		}
		time.Sleep(time.Millisecond)
	}
	if n := rows(); n != 2 || cs.taken.Load() != 2 {
		t.Fatalf("after the bound: %d rows after %d reads, want 2 from a second read", n, cs.taken.Load())
	}
	f.clk.Advance(holdTTL) // the hold expires; no sweeper runs
	if n := rows(); n != 3 {
		t.Fatalf("after the hold expired: %d rows, want 3", n)
	}

	sn, err := reads.SharedSnapshot(f.ctx, f.event.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fresh, _ := f.svc.SeatMap(f.ctx, f.event.ID); !reflect.DeepEqual(sn.Map(), fresh) {
		t.Fatalf("shared snapshot %+v\nfull read %+v", sn.Map(), fresh)
	}
	if _, err := reads.SharedSnapshot(f.ctx, "evt_nope"); err == nil {
		t.Fatal("a shared snapshot of no event")
	}
}

// TestSharedSnapshotRace reads shared snapshots and offers from many
// goroutines while buyers hold seats and the clock moves (run it with
// -race): every snapshot read must be whole, with capacity places that
// add up, and at most a few database reads per move of the clock.
func TestSharedSnapshotRace(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	reads, cs := f.readService()
	buyers := f.customers(8)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var moves atomic.Int64
	wg.Go(func() {
		defer close(stop)
		for i, u := range buyers {
			for range 3 {
				_, _ = f.svc.PlaceHold(f.ctx, u, f.event.ID, booking.HoldRequest{BestAvailable: true, Quantity: 2})
				f.clk.Advance(booking.DefaultSnapshotMaxAge / 2)
				moves.Add(1)
			}
			if i%2 == 0 {
				_, _ = f.svc.PlaceHold(f.ctx, u, f.event.ID, booking.HoldRequest{Section: "Floor", Quantity: 1})
			}
		}
	})
	for range 16 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				sn, err := reads.SharedSnapshot(f.ctx, f.event.ID)
				if err != nil {
					t.Error(err)
					return
				}
				if c := sn.Counts(); c.Capacity != capacity || c.Available+c.Held+c.Sold != c.Capacity {
					t.Errorf("counts %+v", c)
				}
				booking.View(sn, "json", func(sn booking.Snapshot) []byte { return sn.AppendJSON(nil) })
				if _, err := reads.Offers(f.ctx, f.event.ID, booking.OfferQuery{Quantity: 2}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	// One read per expiry at most: the clock moved moves times by half the
	// age, so about moves/2 reads, plus the first.
	if n, m := cs.taken.Load(), moves.Load(); n > m/2+2 {
		t.Errorf("%d reads of taken seats for %d moves of the clock", n, m)
	}
}
