package storetest

import (
	"cmp"
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/ids"
)

func exerciseSeats(t *testing.T, newStore func(t *testing.T) Engine) {
	parallel(t, newStore, map[string]func(t *testing.T, s Engine){
		"ClaimSeatsIsConditional":         testClaimSeatsConditional,
		"ExpiredHoldIsAbsentWithoutSweep": testExpiredHoldAbsent,
		"SellAndUnsellSeats":              testSellUnsell,
		"ScanFreeOrderAndFilters":         testScanFree,
		"SeatCountsAddUp":                 testSeatCounts,
		"TakenSeats":                      testTakenSeats,
	})
}

// testTakenSeats: the live seat map's read lists exactly the places sold
// or in an unexpired hold, in seat order, sold ones marked; an expired
// hold's places are not taken, sweeper or not (invariant 3).
func testTakenSeats(t *testing.T, s Engine) {
	ctx := context.Background()
	e := smallEvent(t, s)
	if got, err := s.TakenSeats(ctx, e.ID, now); err != nil || len(got) != 0 {
		t.Fatalf("TakenSeats of a fresh event = %v, %v; want none", got, err)
	}
	a1, a2 := seatNos(t, s, e.ID, "A", "1"), seatNos(t, s, e.ID, "A", "2")
	sold := placeHold(t, s, e.ID, newUser(t, s), []int64{a2[0], a2[1]}, holdOpts{})
	buy(t, s, sold, now)
	placeHold(t, s, e.ID, newUser(t, s), []int64{a1[2]}, holdOpts{})
	placeHold(t, s, e.ID, newUser(t, s), []int64{a1[3]}, holdOpts{at: now.Add(-time.Hour), until: now.Add(-time.Minute)})
	got, err := s.TakenSeats(ctx, e.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	want := []booking.TakenSeat{{No: a1[2]}, {No: a2[0], Sold: true}, {No: a2[1], Sold: true}}
	slices.SortFunc(want, func(x, y booking.TakenSeat) int { return int(x.No - y.No) })
	if !slices.Equal(got, want) {
		t.Errorf("TakenSeats = %v, want %v (the expired hold's seat is free)", got, want)
	}
}

// errRollback makes InTx roll back a transaction whose effects a test
// only wanted to look at.
var errRollback = errors.New("roll back")

// rollback runs fn in a transaction that is always rolled back.
func rollback(t *testing.T, s Engine, fn func(ctx context.Context, tx booking.Tx) error) {
	t.Helper()
	ctx := context.Background()
	err := s.InTx(ctx, func(tx booking.Tx) error {
		if err := fn(ctx, tx); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("InTx: %v", err)
	}
}

// claim calls ClaimSeats for a new hold id and returns the count.
func claim(ctx context.Context, t *testing.T, tx booking.Tx, eventID string, nos []int64, at time.Time) int {
	t.Helper()
	n, err := tx.ClaimSeats(ctx, eventID, nos, ids.New("hld"), at.Add(10*time.Minute), at)
	if err != nil {
		t.Fatalf("ClaimSeats: %v", err)
	}
	return n
}

func testClaimSeatsConditional(t *testing.T, s Engine) {
	e := smallEvent(t, s)
	e2 := smallEvent(t, s)
	u := newUser(t, s)
	a := seatNos(t, s, e.ID, "A", "")
	until := now.Add(10 * time.Minute)
	h1 := placeHold(t, s, e.ID, u, a[0:2], holdOpts{until: until})
	buy(t, s, placeHold(t, s, e.ID, u, a[4:5], holdOpts{}), now)

	for _, tc := range []struct {
		name string
		nos  []int64
		at   time.Time
		want int
	}{
		{"seats under an unexpired hold", a[0:2], now, 0},
		{"one held, one free", a[1:3], now, 1},
		{"just before the hold ends", a[0:1], until.Add(-time.Millisecond), 0},
		{"when the hold ends (expired is absent)", a[0:2], until, 2},
		{"long after the hold ended", a[0:3], now.Add(24 * time.Hour), 3},
		{"a sold seat", a[4:5], now.Add(365 * 24 * time.Hour), 0},
		{"a sold seat and a free one", a[3:5], now, 1},
	} {
		rollback(t, s, func(ctx context.Context, tx booking.Tx) error {
			if n := claim(ctx, t, tx, e.ID, tc.nos, tc.at); n != tc.want {
				t.Errorf("ClaimSeats(%s) = %d, want %d", tc.name, n, tc.want)
			}
			return nil
		})
	}
	// Which seats a partial claim took.
	rollback(t, s, func(ctx context.Context, tx booking.Tx) error {
		hid, until2 := ids.New("hld"), now.Add(7*time.Minute+3*time.Millisecond)
		if n, err := tx.ClaimSeats(ctx, e.ID, a[1:3], hid, until2, now); err != nil || n != 1 {
			t.Errorf("ClaimSeats = %d, %v; want 1", n, err)
		}
		ss, err := tx.SeatsByNo(ctx, e.ID, a[1:3])
		if err != nil {
			return err
		}
		for _, st := range ss {
			switch st.No {
			case a[1]:
				if st.HoldID != h1.ID || !st.HoldUntil.Equal(until) {
					t.Errorf("seat held by %s = %+v, want it left with that hold", h1.ID, st)
				}
			case a[2]:
				if st.HoldID != hid || !st.HoldUntil.Equal(until2) || st.Status(now) != booking.SeatHeld {
					t.Errorf("claimed seat = %+v, want held by %s until %v", st, hid, until2)
				}
			}
		}
		return nil
	})
	// The same seat numbers at another event are another event's seats.
	rollback(t, s, func(ctx context.Context, tx booking.Tx) error {
		if n := claim(ctx, t, tx, e2.ID, a[0:2], now); n != 2 {
			t.Errorf("ClaimSeats at another event = %d, want 2", n)
		}
		return nil
	})
	// Rolled-back claims left nothing behind.
	m := seatMap(t, s, e.ID)
	for _, no := range a[0:2] {
		if st := m[no]; st.HoldID != h1.ID || !st.HoldUntil.Equal(until) {
			t.Errorf("seat %d after rolled-back claims = %+v, want still held by %s until %v", no, st, h1.ID, until)
		}
	}
	if st := m[a[2]]; st.HoldID != "" {
		t.Errorf("seat %d after rolled-back claims = %+v, want free", a[2], st)
	}
	if c := seatCounts(t, s, e2.ID, now); c.Available != 16 {
		t.Errorf("other event's counts %+v, want all 16 available", c)
	}
}

func testExpiredHoldAbsent(t *testing.T, s Engine) {
	ctx := context.Background()
	e := smallEvent(t, s)
	u1, u2 := newUser(t, s), newUser(t, s)
	a := seatNos(t, s, e.ID, "A", "")
	h1 := placeHold(t, s, e.ID, u1, a[0:2], holdOpts{until: now.Add(5 * time.Minute)})
	later := now.Add(5 * time.Minute) // h1 ends; no sweeper runs

	if c := seatCounts(t, s, e.ID, later); c.Held != 0 || c.Available != 16 {
		t.Errorf("SeatCounts after the hold ended = %+v, want 0 held, 16 available", c)
	}
	free := map[int64]bool{}
	rollback(t, s, func(ctx context.Context, tx booking.Tx) error {
		return tx.ScanFree(ctx, e.ID, booking.FreeFilter{}, later, func(st booking.Seat) bool {
			free[st.No] = true
			return true
		})
	})
	if !free[a[0]] || !free[a[1]] || len(free) != 16 {
		t.Errorf("ScanFree after the hold ended found %d places (seats %d, %d: %v, %v), want all 16", len(free), a[0], a[1], free[a[0]], free[a[1]])
	}
	h2 := placeHold(t, s, e.ID, u2, a[0:2], holdOpts{at: later})
	for _, no := range a[0:2] {
		if st := seatMap(t, s, e.ID)[no]; st.HoldID != h2.ID {
			t.Errorf("seat %d = %+v, want held by the new hold %s", no, st, h2.ID)
		}
	}
	if got := hold(t, s, h1.ID); got.Status != booking.HoldActive || got.StatusAt(later) != booking.HoldExpired {
		t.Errorf("old hold status %q (shown %q), want active in storage (no sweeper ran) and shown expired", got.Status, got.StatusAt(later))
	}
	rollback(t, s, func(ctx context.Context, tx booking.Tx) error {
		n, err := tx.CountUserPlaces(ctx, u1.ID, e.ID, later)
		if err != nil || n != 0 {
			t.Errorf("CountUserPlaces of the expired hold's owner = %d, %v; want 0", n, err)
		}
		return nil
	})
	if n, err := s.CountAvailable(ctx, e.ID, later); err != nil || n != 14 {
		t.Errorf("CountAvailable = %d, %v; want 14", n, err)
	}
}

func testSellUnsell(t *testing.T, s Engine) {
	e := smallEvent(t, s)
	u := newUser(t, s)
	a := seatNos(t, s, e.ID, "A", "")
	b := seatNos(t, s, e.ID, "B", "")
	ga := seatNos(t, s, e.ID, "GA", "")

	h := placeHold(t, s, e.ID, u, a[0:3], holdOpts{})
	o := insertOrder(t, s, h, now)
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error {
		n, err := tx.SellSeats(ctx, h.ID, o.ID)
		if err != nil || n != 3 {
			t.Errorf("SellSeats = %d, %v; want 3", n, err)
		}
		n, err = tx.SellSeats(ctx, h.ID, o.ID)
		if err != nil || n != 0 {
			t.Errorf("SellSeats again = %d, %v; want 0 (the seats are no longer under the hold)", n, err)
		}
		return nil
	})
	for _, no := range a[0:3] {
		st := seatMap(t, s, e.ID)[no]
		if st.OrderID != o.ID || st.HoldID != "" || !st.HoldUntil.IsZero() || st.Status(now.Add(time.Hour)) != booking.SeatSold {
			t.Errorf("sold seat = %+v, want sold to %s and no longer held", st, o.ID)
		}
	}
	if c := seatCounts(t, s, e.ID, now); c.Sold != 3 || c.Held != 0 {
		t.Errorf("SeatCounts = %+v, want 3 sold, 0 held", c)
	}
	rollback(t, s, func(ctx context.Context, tx booking.Tx) error {
		if n := claim(ctx, t, tx, e.ID, a[0:3], now.Add(365*24*time.Hour)); n != 0 {
			t.Errorf("ClaimSeats on sold seats = %d, want 0", n)
		}
		return nil
	})

	other := buy(t, s, placeHold(t, s, e.ID, u, b[0:2], holdOpts{}), now)
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error { return tx.UnsellSeats(ctx, o.ID) })
	m := seatMap(t, s, e.ID)
	for _, no := range a[0:3] {
		if st := m[no]; st.OrderID != "" || st.HoldID != "" || st.Status(now) != booking.SeatAvailable {
			t.Errorf("unsold seat = %+v, want available", st)
		}
	}
	for _, no := range b[0:2] {
		if st := m[no]; st.OrderID != other.ID {
			t.Errorf("seat of another order = %+v, want still sold to %s", st, other.ID)
		}
	}
	if c := seatCounts(t, s, e.ID, now); c.Sold != 2 || c.Available != 14 {
		t.Errorf("SeatCounts after UnsellSeats = %+v, want 2 sold, 14 available", c)
	}

	// A hold whose seat was taken by another hold after it expired sells
	// only the seats it still has.
	old := placeHold(t, s, e.ID, u, ga[0:2], holdOpts{at: now.Add(-10 * time.Minute), until: now.Add(-5 * time.Minute)})
	newer := placeHold(t, s, e.ID, u, ga[1:2], holdOpts{})
	oo := insertOrder(t, s, old, now)
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error {
		n, err := tx.SellSeats(ctx, old.ID, oo.ID)
		if err != nil || n != 1 {
			t.Errorf("SellSeats of a hold that lost a seat = %d, %v; want 1", n, err)
		}
		return nil
	})
	if st := seatMap(t, s, e.ID)[ga[1]]; st.HoldID != newer.ID || st.OrderID != "" {
		t.Errorf("seat of the newer hold = %+v, want still held by %s and unsold", st, newer.ID)
	}
}

// seatLess orders places the way ScanFree must: by (score, no).
func seatLess(a, b booking.Seat) int {
	if c := cmp.Compare(a.Score, b.Score); c != 0 {
		return c
	}
	return cmp.Compare(a.No, b.No)
}

func testScanFree(t *testing.T, s Engine) {
	e := smallEvent(t, s)
	u := newUser(t, s)
	all := seats(t, s, e.ID)
	slices.SortFunc(all, seatLess)
	// The three best seats: one held, one whose hold expired, one sold.
	held := placeHold(t, s, e.ID, u, []int64{all[0].No}, holdOpts{})
	placeHold(t, s, e.ID, u, []int64{all[1].No}, holdOpts{at: now.Add(-20 * time.Minute), until: now.Add(-time.Minute)})
	buy(t, s, placeHold(t, s, e.ID, u, []int64{all[2].No}, holdOpts{}), now)
	m := seatMap(t, s, e.ID)
	if m[all[0].No].HoldID != held.ID {
		t.Fatalf("fixture: seat %d not held", all[0].No)
	}
	secID := map[string]string{}
	for _, st := range all {
		secID[st.Section] = st.SectionID
	}
	for _, tc := range []struct {
		name  string
		f     booking.FreeFilter
		match func(booking.Seat) bool
	}{
		{"no filter", booking.FreeFilter{}, func(booking.Seat) bool { return true }},
		{"section B", booking.FreeFilter{SectionID: secID["B"]}, func(st booking.Seat) bool { return st.Section == "B" }},
		{"section GA", booking.FreeFilter{SectionID: secID["GA"]}, func(st booking.Seat) bool { return st.Section == "GA" }},
		{"section A row 2", booking.FreeFilter{SectionID: secID["A"], Row: "2"}, func(st booking.Seat) bool { return st.Section == "A" && st.Row == "2" }},
		{"row 1 of any section", booking.FreeFilter{Row: "1"}, func(st booking.Seat) bool { return st.Row == "1" }},
		{"max price", booking.FreeFilter{MaxPriceCents: priceB}, func(st booking.Seat) bool { return st.PriceCents <= priceB }},
		{"max price below all", booking.FreeFilter{MaxPriceCents: 1}, func(booking.Seat) bool { return false }},
		{"reserved only", booking.FreeFilter{Reserved: true}, func(st booking.Seat) bool { return !st.GA }},
		{"reserved, max price", booking.FreeFilter{Reserved: true, MaxPriceCents: priceB}, func(st booking.Seat) bool { return st.Section == "B" }},
	} {
		var want []booking.Seat
		for _, st := range all {
			if m[st.No].Status(now) == booking.SeatAvailable && tc.match(st) {
				want = append(want, m[st.No])
			}
		}
		var got []booking.Seat
		rollback(t, s, func(ctx context.Context, tx booking.Tx) error {
			return tx.ScanFree(ctx, e.ID, tc.f, now, func(st booking.Seat) bool {
				got = append(got, st)
				return true
			})
		})
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ScanFree(%s) =\n %v\nwant in (score, no) order:\n %v", tc.name, seatList(got), seatList(want))
		}
		// WalkFree: the same places in the same order, and RowKey tells
		// the rows apart (one key per section and row).
		var walked, wantWalk []booking.FreePlace
		rowOf := map[int64]string{}
		for _, st := range want {
			wantWalk = append(wantWalk, booking.FreePlace{No: st.No, Number: st.Number, Score: st.Score})
		}
		rollback(t, s, func(ctx context.Context, tx booking.Tx) error {
			return tx.WalkFree(ctx, e.ID, tc.f, now, func(p booking.FreePlace) bool {
				walked = append(walked, p)
				return true
			})
		})
		if !slices.Equal(walked, wantWalk) {
			t.Errorf("WalkFree(%s) =\n %v\nwant\n %v", tc.name, walked, wantWalk)
		}
		for _, st := range want {
			if st.GA {
				continue
			}
			k := booking.FreePlace{No: st.No, Number: st.Number}.RowKey()
			if r, ok := rowOf[k]; ok && r != st.Section+"/"+st.Row {
				t.Errorf("RowKey %d is both row %s and row %s/%s", k, r, st.Section, st.Row)
			}
			rowOf[k] = st.Section + "/" + st.Row
		}
	}
	if m[all[1].No].HoldID == "" {
		t.Errorf("fixture: seat %d should still carry its expired hold", all[1].No)
	}
	// fn returning false stops the scan.
	calls := 0
	rollback(t, s, func(ctx context.Context, tx booking.Tx) error {
		return tx.ScanFree(ctx, e.ID, booking.FreeFilter{}, now, func(booking.Seat) bool {
			calls++
			return calls < 3
		})
	})
	if calls != 3 {
		t.Errorf("ScanFree called fn %d times after it returned false on the 3rd, want 3", calls)
	}
}

// seatList is a short description of seats for failure messages.
func seatList(ss []booking.Seat) []string {
	out := []string{}
	for _, st := range ss {
		out = append(out, st.Section+"-"+st.Row+"-"+st.ID())
	}
	return out
}

func testSeatCounts(t *testing.T, s Engine) {
	e := smallEvent(t, s)
	u := newUser(t, s)
	if c := seatCounts(t, s, e.ID, now); c != (booking.SeatCounts{Capacity: 16, Available: 16}) {
		t.Errorf("SeatCounts of a new event = %+v, want all 16 available", c)
	}
	a := seatNos(t, s, e.ID, "A", "")
	ga := seatNos(t, s, e.ID, "GA", "")
	placeHold(t, s, e.ID, u, a[0:2], holdOpts{until: now.Add(10 * time.Minute)})
	placeHold(t, s, e.ID, u, ga[0:1], holdOpts{until: now.Add(20 * time.Minute)})
	placeHold(t, s, e.ID, u, ga[1:3], holdOpts{at: now.Add(-20 * time.Minute), until: now.Add(-time.Minute)}) // expired
	buy(t, s, placeHold(t, s, e.ID, u, a[2:6], holdOpts{}), now)
	for _, tc := range []struct {
		at   time.Time
		want booking.SeatCounts
	}{
		{now, booking.SeatCounts{Capacity: 16, Available: 9, Held: 3, Sold: 4}},
		{now.Add(10 * time.Minute), booking.SeatCounts{Capacity: 16, Available: 11, Held: 1, Sold: 4}},
		{now.Add(time.Hour), booking.SeatCounts{Capacity: 16, Available: 12, Held: 0, Sold: 4}},
	} {
		if got := seatCounts(t, s, e.ID, tc.at); got != tc.want {
			t.Errorf("SeatCounts at %v = %+v, want %+v", tc.at, got, tc.want)
		}
	}
}
