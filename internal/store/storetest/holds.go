package storetest

import (
	"cmp"
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/ids"
)

func exerciseHolds(t *testing.T, newStore func(t *testing.T) Engine) {
	parallel(t, newStore, map[string]func(t *testing.T, s Engine){
		"HoldRoundTrip":                   testHoldRoundTrip,
		"HoldNotFound":                    testHoldNotFound,
		"SetHoldStatusUntilReleaseSeats":  testHoldStatusUntilRelease,
		"ReleaseSeatsKeepsOthersSeats":    testReleaseKeepsOthers,
		"ActiveHoldIDs":                   testActiveHoldIDs,
		"CountUserPlaces":                 testCountUserPlaces,
		"ExpireHolds":                     testExpireHolds,
		"ExpireHoldsLimit":                testExpireHoldsLimit,
		"ExpireHoldsConcurrentlyOnce":     testExpireHoldsConcurrent,
		"ExpireHoldsLeavesReclaimedSeats": testExpireHoldsReclaimed,
	})
}

func sortHeld(hs []booking.HeldSeat) {
	slices.SortFunc(hs, func(a, b booking.HeldSeat) int { return cmp.Compare(a.No, b.No) })
}

func testHoldRoundTrip(t *testing.T, s Engine) {
	ctx := context.Background()
	e := smallEvent(t, s)
	u := newUser(t, s)
	a := seatNos(t, s, e.ID, "A", "2")
	ga := seatNos(t, s, e.ID, "GA", "")
	until := now.Add(10*time.Minute + 3*time.Millisecond)
	want := placeHold(t, s, e.ID, u, []int64{ga[1], a[1], a[0], ga[0]}, holdOpts{until: until})
	sortHeld(want.Seats)
	if want.SubtotalCents != 2*priceA+2*priceGA {
		t.Fatalf("fixture subtotal %d", want.SubtotalCents)
	}
	var inTxHold booking.Hold
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error {
		var err error
		inTxHold, err = tx.Hold(ctx, want.ID)
		return err
	})
	got, err := s.Hold(ctx, want.ID)
	if err != nil {
		t.Fatalf("Hold: %v", err)
	}
	for _, got := range []booking.Hold{got, inTxHold} {
		if !got.ExpiresAt.Equal(until) || !got.CreatedAt.Equal(now) {
			t.Errorf("hold times expires %v, created %v; want %v, %v", got.ExpiresAt, got.CreatedAt, until, now)
		}
		got.ExpiresAt, got.CreatedAt = want.ExpiresAt, want.CreatedAt
		sortHeld(got.Seats)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Hold round trip:\n got %+v\nwant %+v", got, want)
		}
		for _, hs := range got.Seats {
			ga := hs.Section == "GA"
			if ga != (hs.Row == nil) || ga != (hs.Number == nil) {
				t.Errorf("held seat %+v: a GA place has nil row and number, a reserved seat has both", hs)
			}
		}
	}
}

func testHoldNotFound(t *testing.T, s Engine) {
	ctx := context.Background()
	e := smallEvent(t, s)
	placeHold(t, s, e.ID, newUser(t, s), seatNos(t, s, e.ID, "B", "")[:1], holdOpts{})
	if _, err := s.Hold(ctx, ids.New("hld")); !isNotFound(err) {
		t.Errorf("Hold(unknown): %v, want not_found", err)
	}
	err := s.InTx(ctx, func(tx booking.Tx) error {
		_, err := tx.Hold(ctx, ids.New("hld"))
		return err
	})
	if !isNotFound(err) {
		t.Errorf("Tx.Hold(unknown): %v, want not_found", err)
	}
}

func testHoldStatusUntilRelease(t *testing.T, s Engine) {
	e := smallEvent(t, s)
	u := newUser(t, s)
	a := seatNos(t, s, e.ID, "A", "")
	h := placeHold(t, s, e.ID, u, a[0:2], holdOpts{until: now.Add(10 * time.Minute)})
	o := insertOrder(t, s, h, now)
	paying := now.Add(30 * time.Minute)
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error {
		if err := tx.SetHoldStatus(ctx, h.ID, booking.HoldPaying, o.ID); err != nil {
			return err
		}
		return tx.SetHoldUntil(ctx, h.ID, paying)
	})
	got := hold(t, s, h.ID)
	if got.Status != booking.HoldPaying || got.OrderID != o.ID || !got.ExpiresAt.Equal(h.ExpiresAt) {
		t.Errorf("hold after SetHoldStatus(paying)+SetHoldUntil = status %q, order %q, expires %v; want paying, %s, unchanged %v",
			got.Status, got.OrderID, got.ExpiresAt, o.ID, h.ExpiresAt)
	}
	for _, no := range a[0:2] {
		if st := seatMap(t, s, e.ID)[no]; st.HoldID != h.ID || !st.HoldUntil.Equal(paying) {
			t.Errorf("seat after SetHoldUntil = %+v, want held by %s until %v", st, h.ID, paying)
		}
	}
	if c := seatCounts(t, s, e.ID, now.Add(20*time.Minute)); c.Held != 2 {
		t.Errorf("SeatCounts past the hold's expiry but within SetHoldUntil = %+v, want 2 held", c)
	}
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error {
		if err := tx.SetHoldStatus(ctx, h.ID, booking.HoldActive, ""); err != nil {
			return err
		}
		return tx.SetHoldUntil(ctx, h.ID, h.ExpiresAt)
	})
	if got := hold(t, s, h.ID); got.Status != booking.HoldActive || got.OrderID != "" {
		t.Errorf("hold after SetHoldStatus(active, \"\") = %q, order %q; want active, no order", got.Status, got.OrderID)
	}
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error {
		if err := tx.ReleaseSeats(ctx, h.ID); err != nil {
			return err
		}
		return tx.SetHoldStatus(ctx, h.ID, booking.HoldReleased, "")
	})
	for _, no := range a[0:2] {
		if st := seatMap(t, s, e.ID)[no]; st.HoldID != "" || !st.HoldUntil.IsZero() || st.Status(now) != booking.SeatAvailable {
			t.Errorf("seat after ReleaseSeats = %+v, want free", st)
		}
	}
	got = hold(t, s, h.ID)
	if got.Status != booking.HoldReleased || len(got.Seats) != 2 {
		t.Errorf("released hold = %+v, want status released and its seats still listed", got)
	}
}

func testReleaseKeepsOthers(t *testing.T, s Engine) {
	e := smallEvent(t, s)
	u := newUser(t, s)
	ga := seatNos(t, s, e.ID, "GA", "")
	old := placeHold(t, s, e.ID, u, ga[0:2], holdOpts{at: now.Add(-10 * time.Minute), until: now.Add(-5 * time.Minute)})
	newer := placeHold(t, s, e.ID, u, ga[1:3], holdOpts{})
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error { return tx.ReleaseSeats(ctx, old.ID) })
	m := seatMap(t, s, e.ID)
	if st := m[ga[0]]; st.HoldID != "" {
		t.Errorf("seat of the released hold = %+v, want free", st)
	}
	for _, no := range ga[1:3] {
		if st := m[no]; st.HoldID != newer.ID {
			t.Errorf("seat of another hold = %+v, want still held by %s", st, newer.ID)
		}
	}
}

func testActiveHoldIDs(t *testing.T, s Engine) {
	e := smallEvent(t, s)
	e2 := smallEvent(t, s)
	u := newUser(t, s)
	a := seatNos(t, s, e.ID, "A", "")
	want := []string{}
	for i, st := range []booking.HoldStatus{booking.HoldActive, booking.HoldPaying, booking.HoldReleased, booking.HoldConverted,
		booking.HoldExpired, booking.HoldActive} {
		h := placeHold(t, s, e.ID, u, a[i:i+1], holdOpts{status: st})
		if st == booking.HoldActive || st == booking.HoldPaying {
			want = append(want, h.ID)
		}
	}
	placeHold(t, s, e2.ID, u, a[0:1], holdOpts{})
	rollback(t, s, func(ctx context.Context, tx booking.Tx) error {
		got, err := tx.ActiveHoldIDs(ctx, e.ID)
		if err != nil {
			return err
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("ActiveHoldIDs = %v, want the event's active and paying holds %v", got, want)
		}
		return nil
	})
}

func testCountUserPlaces(t *testing.T, s Engine) {
	e := smallEvent(t, s)
	e2 := smallEvent(t, s)
	u, other := newUser(t, s), newUser(t, s)
	a := seatNos(t, s, e.ID, "A", "")
	b := seatNos(t, s, e.ID, "B", "")
	ga := seatNos(t, s, e.ID, "GA", "")
	past := holdOpts{at: now.Add(-20 * time.Minute), until: now.Add(-time.Minute)}

	placeHold(t, s, e.ID, u, a[0:2], holdOpts{}) // active: 2
	placeHold(t, s, e.ID, u, b[0:3], past)       // active but expired: 0
	// Paying, past its own expiry: it does not expire under the payment (invariant 5): 1.
	paying := placeHold(t, s, e.ID, u, ga[0:1], past)
	po := insertOrder(t, s, paying, now.Add(-2*time.Minute))
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error {
		if err := tx.SetHoldStatus(ctx, paying.ID, booking.HoldPaying, po.ID); err != nil {
			return err
		}
		return tx.SetHoldUntil(ctx, paying.ID, now.Add(15*time.Minute))
	})
	released := placeHold(t, s, e.ID, u, ga[1:2], holdOpts{}) // released: 0
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error {
		if err := tx.ReleaseSeats(ctx, released.ID); err != nil {
			return err
		}
		return tx.SetHoldStatus(ctx, released.ID, booking.HoldReleased, "")
	})
	placeHold(t, s, e.ID, u, ga[2:3], holdOpts{status: booking.HoldExpired}) // expired: 0
	buy(t, s, placeHold(t, s, e.ID, u, a[2:4], holdOpts{}), now)             // 2 valid tickets, converted hold: 2
	void := buy(t, s, placeHold(t, s, e.ID, u, a[4:5], holdOpts{}), now)     // void ticket: 0
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error {
		if err := tx.VoidTickets(ctx, void.ID); err != nil {
			return err
		}
		return tx.UnsellSeats(ctx, void.ID)
	})
	placeHold(t, s, e.ID, other, a[5:7], holdOpts{}) // someone else's
	placeHold(t, s, e2.ID, u, a[0:3], holdOpts{})    // another event
	buy(t, s, placeHold(t, s, e2.ID, u, a[3:4], holdOpts{}), now)

	stranger := newUser(t, s)
	rollback(t, s, func(ctx context.Context, tx booking.Tx) error {
		if err := tx.LockUserEvent(ctx, u.ID, e.ID); err != nil {
			return err
		}
		for _, tc := range []struct {
			user, event string
			at          time.Time
			want        int
		}{
			{u.ID, e.ID, now, 2 + 1 + 2},
			{u.ID, e.ID, now.Add(10 * time.Minute), 1 + 2}, // the active hold ended
			{other.ID, e.ID, now, 2},
			{u.ID, e2.ID, now, 3 + 1},
			{stranger.ID, e.ID, now, 0},
		} {
			n, err := tx.CountUserPlaces(ctx, tc.user, tc.event, tc.at)
			if err != nil {
				return err
			}
			if n != tc.want {
				t.Errorf("CountUserPlaces(user %s, event %s, at %v) = %d, want %d", tc.user, tc.event, tc.at, n, tc.want)
			}
		}
		return nil
	})
}

func testExpireHolds(t *testing.T, s Engine) {
	ctx := context.Background()
	e := smallEvent(t, s)
	u := newUser(t, s)
	a := seatNos(t, s, e.ID, "A", "")
	ga := seatNos(t, s, e.ID, "GA", "")
	past := holdOpts{at: now.Add(-20 * time.Minute), until: now.Add(-time.Minute)}

	due := placeHold(t, s, e.ID, u, a[0:2], past)
	dueNow := placeHold(t, s, e.ID, u, a[2:3], holdOpts{at: now.Add(-10 * time.Minute), until: now}) // ends exactly now
	live := placeHold(t, s, e.ID, u, a[3:4], holdOpts{until: now.Add(time.Minute)})
	paying := placeHold(t, s, e.ID, u, ga[0:1], past)
	po := insertOrder(t, s, paying, now.Add(-2*time.Minute))
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error {
		if err := tx.SetHoldStatus(ctx, paying.ID, booking.HoldPaying, po.ID); err != nil {
			return err
		}
		return tx.SetHoldUntil(ctx, paying.ID, now.Add(15*time.Minute))
	})
	released := placeHold(t, s, e.ID, u, ga[1:2], past)
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error {
		if err := tx.ReleaseSeats(ctx, released.ID); err != nil {
			return err
		}
		return tx.SetHoldStatus(ctx, released.ID, booking.HoldReleased, "")
	})
	converted := placeHold(t, s, e.ID, u, ga[2:3], holdOpts{at: now.Add(-20 * time.Minute), until: now.Add(time.Minute)})
	buy(t, s, converted, now.Add(-10*time.Minute))

	n, err := s.ExpireHolds(ctx, now, 100)
	if err != nil || n != 2 {
		t.Errorf("ExpireHolds = %d, %v; want 2", n, err)
	}
	for _, tc := range []struct {
		h    booking.Hold
		want booking.HoldStatus
	}{
		{due, booking.HoldExpired}, {dueNow, booking.HoldExpired}, {live, booking.HoldActive},
		{paying, booking.HoldPaying}, {released, booking.HoldReleased}, {converted, booking.HoldConverted},
	} {
		if got := hold(t, s, tc.h.ID); got.Status != tc.want {
			t.Errorf("hold on %v: status %q after ExpireHolds, want %q", tc.h.Seats, got.Status, tc.want)
		}
	}
	m := seatMap(t, s, e.ID)
	for _, no := range a[0:3] {
		if st := m[no]; st.HoldID != "" || !st.HoldUntil.IsZero() {
			t.Errorf("seat of an expired hold = %+v, want freed", st)
		}
	}
	if st := m[a[3]]; st.HoldID != live.ID {
		t.Errorf("seat of a live hold = %+v, want still held", st)
	}
	if st := m[ga[0]]; st.HoldID != paying.ID || !st.HoldUntil.Equal(now.Add(15*time.Minute)) {
		t.Errorf("seat of a paying hold = %+v, want still held (invariant 5)", st)
	}
	if st := m[ga[2]]; st.OrderID == "" {
		t.Errorf("sold seat = %+v, want still sold", st)
	}
	if n, err := s.ExpireHolds(ctx, now, 100); err != nil || n != 0 {
		t.Errorf("ExpireHolds again = %d, %v; want 0", n, err)
	}
	if n, err := s.ExpireHolds(ctx, now.Add(time.Minute), 100); err != nil || n != 1 {
		t.Errorf("ExpireHolds a minute later = %d, %v; want 1 (the live hold)", n, err)
	}
	if c := seatCounts(t, s, e.ID, now.Add(time.Minute)); c != (booking.SeatCounts{Capacity: 16, Available: 14, Held: 1, Sold: 1}) {
		t.Errorf("SeatCounts = %+v, want 14 available, 1 held (paying), 1 sold", c)
	}
}

func testExpireHoldsLimit(t *testing.T, s Engine) {
	ctx := context.Background()
	e := smallEvent(t, s)
	u := newUser(t, s)
	a := seatNos(t, s, e.ID, "A", "")
	for i := range 5 {
		placeHold(t, s, e.ID, u, a[i:i+1], holdOpts{at: now.Add(-time.Hour), until: now.Add(-time.Duration(i+1) * time.Minute)})
	}
	for _, want := range []int{2, 2, 1, 0} {
		if n, err := s.ExpireHolds(ctx, now, 2); err != nil || n != want {
			t.Errorf("ExpireHolds(limit 2) = %d, %v; want %d", n, err, want)
		}
	}
	if c := seatCounts(t, s, e.ID, now); c.Available != 16 {
		t.Errorf("SeatCounts = %+v, want all available", c)
	}
}

func testExpireHoldsConcurrent(t *testing.T, s Engine) {
	ctx := context.Background()
	v := newVenue(t, s, gaVenue(40))
	e := newEvent(t, s, v, catalog.EventInput{})
	u := newUser(t, s)
	nos := seatNos(t, s, e.ID, "GA", "")
	const holds = 30
	var all []booking.Hold
	for i := range holds {
		all = append(all, placeHold(t, s, e.ID, u, nos[i:i+1], holdOpts{at: now.Add(-time.Hour), until: now.Add(-time.Minute)}))
	}
	const workers = 4
	counts := make(chan int, workers)
	errs := make(chan error, workers)
	start := make(chan struct{})
	for range workers {
		go func() {
			<-start
			total := 0
			for {
				n, err := s.ExpireHolds(ctx, now, 7)
				if err != nil {
					errs <- err
					break
				}
				if n == 0 {
					break
				}
				total += n
			}
			counts <- total
		}()
	}
	close(start)
	sum := 0
	for range workers {
		sum += <-counts
	}
	close(errs)
	for err := range errs {
		t.Errorf("ExpireHolds: %v", err)
	}
	if sum != holds {
		t.Errorf("concurrent ExpireHolds expired %d holds in all, want %d: each hold exactly once", sum, holds)
	}
	for _, h := range all {
		if got := hold(t, s, h.ID); got.Status != booking.HoldExpired {
			t.Errorf("hold %s status %q, want expired", h.ID, got.Status)
		}
	}
}

func testExpireHoldsReclaimed(t *testing.T, s Engine) {
	ctx := context.Background()
	e := smallEvent(t, s)
	u1, u2 := newUser(t, s), newUser(t, s)
	b := seatNos(t, s, e.ID, "B", "")
	old := placeHold(t, s, e.ID, u1, b[0:2], holdOpts{at: now.Add(-30 * time.Minute), until: now.Add(-20 * time.Minute)})
	newer := placeHold(t, s, e.ID, u2, b[1:3], holdOpts{at: now.Add(-19 * time.Minute), until: now.Add(10 * time.Minute)})
	if n, err := s.ExpireHolds(ctx, now, 100); err != nil || n != 1 {
		t.Errorf("ExpireHolds = %d, %v; want 1", n, err)
	}
	if got := hold(t, s, old.ID); got.Status != booking.HoldExpired {
		t.Errorf("old hold status %q, want expired", got.Status)
	}
	m := seatMap(t, s, e.ID)
	if st := m[b[0]]; st.HoldID != "" {
		t.Errorf("seat only the expired hold had = %+v, want freed", st)
	}
	for _, no := range b[1:3] {
		if st := m[no]; st.HoldID != newer.ID || st.Status(now) != booking.SeatHeld {
			t.Errorf("seat the newer hold took = %+v, want still held by %s", st, newer.ID)
		}
	}
}
