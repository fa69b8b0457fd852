package storetest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/ids"
)

func exerciseConcurrency(t *testing.T, newStore func(t *testing.T) Engine) {
	parallel(t, newStore, map[string]func(t *testing.T, s Engine){
		"HundredBuyersTenSeats": func(t *testing.T, s Engine) {
			v := newVenue(t, s, catalog.VenueInput{Sections: []catalog.SectionInput{{Name: "A", Rows: []catalog.Row{{Name: "1", Seats: 10}}}}})
			race(t, s, v, 100, 1, 10)
		},
		"HundredBuyersFivePairsGA": func(t *testing.T, s Engine) {
			race(t, s, newVenue(t, s, gaVenue(10)), 100, 2, 5)
		},
	})
}

// errSoldOut is what a racing buyer returns when ScanFree finds too few
// places; errTaken (from ClaimSeats) when it lost a race for them.
var errSoldOut = errors.New("sold out")

// race runs buyers goroutines that each try, in one transaction, to pick
// the first qty free places with ScanFree, claim them and insert a hold,
// the way best-available does. It checks that exactly `winners` succeed,
// that no place ends in two holds, and that invariant 2 holds for a reader
// watching all along.
func race(t *testing.T, s Engine, v catalog.Venue, buyers, qty, winners int) {
	t.Helper()
	ctx := context.Background()
	e := newEvent(t, s, v, catalog.EventInput{})
	users := make([]account.User, buyers)
	for i := range users {
		users[i] = newUser(t, s)
	}

	// A reader checks invariant 2 while the buyers race.
	done := make(chan struct{})
	var watched sync.WaitGroup
	var reads atomic.Int64
	watched.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			c, err := s.SeatCounts(ctx, e.ID, now)
			if err != nil {
				t.Errorf("SeatCounts: %v", err)
				return
			}
			if c.Available+c.Held+c.Sold != c.Capacity || c.Capacity != v.Capacity {
				t.Errorf("SeatCounts during the race = %+v: available+held+sold != capacity %d (invariant 2)", c, v.Capacity)
				return
			}
			reads.Add(1)
		}
	})

	holds := make([]booking.Hold, buyers)
	errs := make([]error, buyers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range buyers {
		wg.Go(func() {
			<-start
			h := booking.Hold{ID: ids.New("hld"), EventID: e.ID, UserID: users[i].ID, Status: booking.HoldActive,
				ExpiresAt: now.Add(10 * time.Minute), Currency: e.Currency, CreatedAt: now}
			errs[i] = s.InTx(ctx, func(tx booking.Tx) error {
				var picked []booking.Seat
				err := tx.ScanFree(ctx, e.ID, booking.FreeFilter{}, now, func(st booking.Seat) bool {
					picked = append(picked, st)
					return len(picked) < qty
				})
				if err != nil {
					return err
				}
				if len(picked) < qty {
					return errSoldOut
				}
				nos := make([]int64, len(picked))
				for j, st := range picked {
					nos[j] = st.No
				}
				n, err := tx.ClaimSeats(ctx, e.ID, nos, h.ID, h.ExpiresAt, now)
				if err != nil {
					return err
				}
				if n != qty {
					return errTaken
				}
				h.Seats, h.SubtotalCents = heldSeats(picked)
				h.Quantity = qty
				return tx.InsertHold(ctx, h)
			})
			holds[i] = h
		})
	}
	close(start)
	wg.Wait()
	close(done)
	watched.Wait()

	won := map[string]bool{}
	for i, err := range errs {
		switch {
		case err == nil:
			won[holds[i].ID] = true
		case errors.Is(err, errSoldOut), errors.Is(err, errTaken):
			if _, err := s.Hold(ctx, holds[i].ID); !isNotFound(err) {
				t.Errorf("losing buyer's hold %s: %v, want not_found (rolled back)", holds[i].ID, err)
			}
		default:
			t.Errorf("buyer %d: %v", i, err)
		}
	}
	if len(won) != winners {
		t.Errorf("%d of %d buyers got %d places out of %d, want exactly %d winners", len(won), buyers, qty, v.Capacity, winners)
	}

	// Every place is in exactly one winning hold, and the holds agree.
	owner := map[int64]string{}
	for id := range won {
		h := hold(t, s, id)
		if len(h.Seats) != qty {
			t.Errorf("hold %s has %d seats, want %d", id, len(h.Seats), qty)
		}
		for _, hs := range h.Seats {
			if prev, ok := owner[hs.No]; ok {
				t.Errorf("seat %d is in two holds, %s and %s (invariant 1)", hs.No, prev, id)
			}
			owner[hs.No] = id
		}
	}
	for _, st := range seats(t, s, e.ID) {
		if !won[st.HoldID] || owner[st.No] != st.HoldID || st.Status(now) != booking.SeatHeld {
			t.Errorf("seat %d = %+v, want held by the one winning hold that lists it (%q)", st.No, st, owner[st.No])
		}
	}
	if c := seatCounts(t, s, e.ID, now); c.Held != winners*qty || c.Available != v.Capacity-winners*qty {
		t.Errorf("SeatCounts after the race = %+v, want %d held", c, winners*qty)
	}
	if reads.Load() == 0 {
		t.Logf("the watching reader did not complete a read during the race")
	}
}
