package booking_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/payment"
)

const capacity = 30 + 16 + 20 // the default venue

func TestHoldExactSeats(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.customer()
	a3, a4 := f.seatID(f.event.ID, "Lower", "A", 3), f.seatID(f.event.ID, "Lower", "A", 4)
	h := f.hold(u, f.event.ID, booking.HoldRequest{SeatIDs: []string{a4, a3}})

	if h.Status != booking.HoldActive || h.EventID != f.event.ID || h.Quantity != 2 || h.SubtotalCents != 2*lowerCts || h.Currency != "USD" {
		t.Fatalf("hold %+v", h)
	}
	if want := start.Add(holdTTL); !h.ExpiresAt.Equal(want) {
		t.Fatalf("expires at %v, want %v", h.ExpiresAt, want)
	}
	if got := ids(h.Seats); !reflect.DeepEqual(got, ids([]booking.HeldSeat{{ID: a3}, {ID: a4}})) {
		t.Fatalf("held %v, want %s and %s", got, a3, a4)
	}
	for _, s := range h.Seats {
		if s.Section != "Lower" || s.Row == nil || *s.Row != "A" || s.PriceCents != lowerCts {
			t.Fatalf("seat %+v", s)
		}
	}
	if ns := seatNumbers(t, h.Seats); !reflect.DeepEqual(ns, []int{3, 4}) {
		t.Fatalf("numbers %v", ns)
	}
	st := f.statuses(f.event.ID)
	if st[a3] != booking.SeatHeld || st[a4] != booking.SeatHeld {
		t.Fatalf("seat map shows %s, %s", st[a3], st[a4])
	}
	f.wantCounts(f.event.ID, capacity-2, 2, 0)
	f.checkHolds(f.event.ID, []booking.Hold{h})

	// Read back by its owner: the same hold.
	got, err := f.svc.Hold(f.ctx, u, h.ID)
	if err != nil || got.Status != booking.HoldActive || got.Quantity != 2 || got.SubtotalCents != h.SubtotalCents {
		t.Fatalf("read back %+v, %v", got, err)
	}

	// Released: available at once.
	if err := f.svc.ReleaseHold(f.ctx, u, h.ID); err != nil {
		t.Fatalf("release: %v", err)
	}
	if s := f.holdStatus(u, h.ID); s != booking.HoldReleased {
		t.Fatalf("released hold is %s", s)
	}
	if err := f.svc.ReleaseHold(f.ctx, u, h.ID); err != nil {
		t.Fatalf("second release: %v", err)
	}
	f.wantCounts(f.event.ID, capacity, 0, 0)
	f.hold(f.customer(), f.event.ID, booking.HoldRequest{SeatIDs: []string{a3, a4}})
}

func TestHoldGeneralAdmission(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.customer()
	h := f.hold(u, f.event.ID, booking.HoldRequest{Section: "Floor", Quantity: 3})
	if h.Quantity != 3 || len(h.Seats) != 3 || h.SubtotalCents != 3*floorCts {
		t.Fatalf("hold %+v", h)
	}
	for _, s := range h.Seats {
		if s.Section != "Floor" || s.Row != nil || s.Number != nil || s.PriceCents != floorCts {
			t.Fatalf("GA seat %+v", s)
		}
	}
	if n := f.gaAvailable(f.event.ID, "Floor"); n != 17 {
		t.Fatalf("floor shows %d available, want 17", n)
	}
	f.wantCounts(f.event.ID, capacity-3, 3, 0)

	// The floor sells out exactly.
	v := f.customer()
	h2 := f.hold(v, f.event.ID, booking.HoldRequest{Section: "Floor", Quantity: 8})
	w := f.customer()
	h3 := f.hold(w, f.event.ID, booking.HoldRequest{Section: "Floor", Quantity: 8})
	_, err := f.svc.PlaceHold(f.ctx, f.customer(), f.event.ID, booking.HoldRequest{Section: "Floor", Quantity: 2})
	wantCode(t, err, apperr.SeatsUnavailable, "21st and 22nd place")
	h4 := f.hold(f.customer(), f.event.ID, booking.HoldRequest{Section: "Floor", Quantity: 1})
	_, err = f.svc.PlaceHold(f.ctx, f.customer(), f.event.ID, booking.HoldRequest{Section: "Floor", Quantity: 1})
	wantCode(t, err, apperr.SeatsUnavailable, "sold-out floor")
	if n := f.gaAvailable(f.event.ID, "Floor"); n != 0 {
		t.Fatalf("floor shows %d available, want 0", n)
	}
	f.checkHolds(f.event.ID, []booking.Hold{h, h2, h3, h4})
}

// bruteBest finds, by trying every block, the best block of qty adjacent
// available seats that match r: the lowest worst-seat score, then the
// lowest total score. It returns the block's (worst, total) and false
// if there is none.
func bruteBest(seats []booking.Seat, now time.Time, r booking.HoldRequest, sectionID string) (worst, total int64, ok bool) {
	type key struct{ sec, row string }
	rows := map[key]map[int]booking.Seat{}
	for _, st := range seats {
		if st.GA || st.Status(now) != booking.SeatAvailable ||
			(sectionID != "" && st.SectionID != sectionID) || (r.Row != "" && st.Row != r.Row) ||
			(r.MaxPriceCents > 0 && st.PriceCents > r.MaxPriceCents) {
			continue
		}
		k := key{st.SectionID, st.Row}
		if rows[k] == nil {
			rows[k] = map[int]booking.Seat{}
		}
		rows[k][st.Number] = st
	}
	for _, row := range rows {
		for n := range row {
			w, sum, full := int64(0), int64(0), true
			for i := n; i < n+r.Quantity; i++ {
				st, ok := row[i]
				if !ok {
					full = false
					break
				}
				w, sum = max(w, st.Score), sum+st.Score
			}
			if full && (!ok || w < worst || (w == worst && sum < total)) {
				worst, total, ok = w, sum, true
			}
		}
	}
	return worst, total, ok
}

// blockScore is the (worst, total) score of held seats.
func blockScore(t *testing.T, seats []booking.Seat, held []booking.HeldSeat) (worst, total int64) {
	t.Helper()
	byID := map[string]booking.Seat{}
	for _, st := range seats {
		byID[st.ID()] = st
	}
	for _, h := range held {
		st, ok := byID[h.ID]
		if !ok {
			t.Fatalf("held seat %s is not a seat of the event", h.ID)
		}
		worst, total = max(worst, st.Score), total+st.Score
	}
	return worst, total
}

func TestBestAvailableFreshMap(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ev := f.newEvent(f.venue, func(in *catalog.EventInput) { in.MaxTicketsPerUser = ptr(20) })
	for _, tc := range []struct {
		r       booking.HoldRequest
		section string
		row     string
		numbers []int
	}{
		{booking.HoldRequest{BestAvailable: true, Quantity: 2}, "Lower", "A", []int{5, 6}},
		{booking.HoldRequest{BestAvailable: true, Quantity: 1}, "Lower", "A", []int{5}},
		{booking.HoldRequest{BestAvailable: true, Quantity: 3}, "Lower", "A", []int{4, 5, 6}},
		{booking.HoldRequest{BestAvailable: true, Quantity: 10}, "Lower", "A", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{booking.HoldRequest{BestAvailable: true, Quantity: 2, Row: "B"}, "Lower", "B", []int{5, 6}},
		{booking.HoldRequest{BestAvailable: true, Quantity: 2, Section: "Upper"}, "Upper", "1", []int{4, 5}},
		{booking.HoldRequest{BestAvailable: true, Quantity: 2, Section: "Upper", Row: "2"}, "Upper", "2", []int{4, 5}},
		{booking.HoldRequest{BestAvailable: true, Quantity: 2, MaxPriceCents: 2000}, "Upper", "1", []int{4, 5}},
		{booking.HoldRequest{BestAvailable: true, Quantity: 2, MaxPriceCents: upperCts}, "Upper", "1", []int{4, 5}},
		{booking.HoldRequest{BestAvailable: true, Quantity: 2, MaxPriceCents: lowerCts}, "Lower", "A", []int{5, 6}},
	} {
		u := f.customer()
		h := f.hold(u, ev.ID, tc.r)
		adjacentInOneRow(t, h.Seats)
		if h.Seats[0].Section != tc.section || *h.Seats[0].Row != tc.row || !reflect.DeepEqual(seatNumbers(t, h.Seats), tc.numbers) {
			t.Fatalf("%+v: got %v, want %s-%s %v", tc.r, describe(h.Seats), tc.section, tc.row, tc.numbers)
		}
		if err := f.svc.ReleaseHold(f.ctx, u, h.ID); err != nil {
			t.Fatalf("release: %v", err)
		}
	}
	f.wantCounts(ev.ID, capacity, 0, 0)

	for _, tc := range []struct {
		name string
		r    booking.HoldRequest
		code apperr.Code
	}{
		{"nothing that cheap", booking.HoldRequest{BestAvailable: true, Quantity: 2, MaxPriceCents: 1000}, apperr.SeatsUnavailable},
		{"rows are shorter", booking.HoldRequest{BestAvailable: true, Quantity: 11}, apperr.SeatsUnavailable},
		{"upper rows are 8", booking.HoldRequest{BestAvailable: true, Quantity: 9, Section: "Upper"}, apperr.SeatsUnavailable},
		{"no such row", booking.HoldRequest{BestAvailable: true, Quantity: 1, Row: "Z"}, apperr.SeatsUnavailable},
		{"row of another section", booking.HoldRequest{BestAvailable: true, Quantity: 1, Section: "Upper", Row: "A"}, apperr.SeatsUnavailable},
		{"GA floor over max price", booking.HoldRequest{BestAvailable: true, Quantity: 2, Section: "Floor", MaxPriceCents: 5000}, apperr.SeatsUnavailable},
		{"GA floor has no rows", booking.HoldRequest{BestAvailable: true, Quantity: 2, Section: "Floor", Row: "A"}, apperr.SeatsUnavailable},
	} {
		_, err := f.svc.PlaceHold(f.ctx, f.customer(), ev.ID, tc.r)
		wantCode(t, err, tc.code, tc.name)
	}
	f.wantCounts(ev.ID, capacity, 0, 0)

	// Best available in a GA section is a GA hold, within the price asked.
	h := f.hold(f.customer(), ev.ID, booking.HoldRequest{BestAvailable: true, Quantity: 2, Section: "Floor", MaxPriceCents: floorCts})
	if len(h.Seats) != 2 || h.Seats[0].Section != "Floor" || h.Seats[0].Row != nil {
		t.Fatalf("GA best available: %v", describe(h.Seats))
	}
}

// TestBestAvailableMatchesBruteForce fills the map at random and checks
// every best-available answer against a search of every block.
func TestBestAvailableMatchesBruteForce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ev := f.newEvent(f.venue, func(in *catalog.EventInput) { in.MaxTicketsPerUser = ptr(100) })
	blocker, buyer := f.customer(), f.customer()
	lower, upper := "", ""
	for _, s := range f.venue.Sections {
		switch s.Name {
		case "Lower":
			lower = s.ID
		case "Upper":
			upper = s.ID
		}
	}
	rng := rand.New(rand.NewPCG(7, 11))
	var reserved []string
	for _, st := range f.seats(ev.ID) {
		if !st.GA {
			reserved = append(reserved, st.ID())
		}
	}
	type request struct {
		r         booking.HoldRequest
		sectionID string
	}
	var requests []request
	for q := 1; q <= 4; q++ {
		requests = append(requests,
			request{booking.HoldRequest{BestAvailable: true, Quantity: q}, ""},
			request{booking.HoldRequest{BestAvailable: true, Quantity: q, Section: "Upper"}, upper},
			request{booking.HoldRequest{BestAvailable: true, Quantity: q, Section: "Lower", Row: "B"}, lower},
			request{booking.HoldRequest{BestAvailable: true, Quantity: q, Row: "2"}, ""},
			request{booking.HoldRequest{BestAvailable: true, Quantity: q, MaxPriceCents: 2000}, ""},
		)
	}
	checked, none := 0, 0
	for round := range 8 {
		// Block a random share of the reserved seats (0% to ~70%).
		rng.Shuffle(len(reserved), func(i, j int) { reserved[i], reserved[j] = reserved[j], reserved[i] })
		k := rng.IntN(len(reserved) * 7 / 10)
		var blocks []booking.Hold
		for i := 0; i < k; i += booking.MaxQuantity {
			blocks = append(blocks, f.hold(blocker, ev.ID, booking.HoldRequest{SeatIDs: reserved[i:min(k, i+booking.MaxQuantity)]}))
		}
		seats := f.seats(ev.ID) // each answer is released before the next request
		for _, req := range requests {
			worst, total, ok := bruteBest(seats, f.clk.Now(), req.r, req.sectionID)
			h, err := f.svc.PlaceHold(f.ctx, buyer, ev.ID, req.r)
			if !ok {
				wantCode(t, err, apperr.SeatsUnavailable, fmt.Sprintf("round %d, %+v with no block left", round, req.r))
				none++
				continue
			}
			if err != nil {
				t.Fatalf("round %d, %+v: %v (brute force found a block of worst score %d)", round, req.r, err, worst)
			}
			adjacentInOneRow(t, h.Seats)
			if len(h.Seats) != req.r.Quantity {
				t.Fatalf("round %d: %d seats for %+v", round, len(h.Seats), req.r)
			}
			for _, s := range h.Seats {
				if (req.r.Section != "" && s.Section != req.r.Section) || (req.r.Row != "" && *s.Row != req.r.Row) ||
					(req.r.MaxPriceCents > 0 && s.PriceCents > req.r.MaxPriceCents) {
					t.Fatalf("round %d: seat %v does not match %+v", round, describe([]booking.HeldSeat{s}), req.r)
				}
			}
			gw, gt := blockScore(t, seats, h.Seats)
			if gw != worst || gt != total {
				t.Fatalf("round %d, %+v: got %v scoring (worst %d, total %d), best is (worst %d, total %d)",
					round, req.r, describe(h.Seats), gw, gt, worst, total)
			}
			checked++
			if err := f.svc.ReleaseHold(f.ctx, buyer, h.ID); err != nil {
				t.Fatalf("release: %v", err)
			}
		}
		for _, b := range blocks {
			if err := f.svc.ReleaseHold(f.ctx, blocker, b.ID); err != nil {
				t.Fatalf("release blocker: %v", err)
			}
		}
		f.wantCounts(ev.ID, capacity, 0, 0)
	}
	if checked < 80 || none == 0 {
		t.Fatalf("checked %d answers and %d sold-out cases; the random fill is not exercising both", checked, none)
	}
}

func TestHoldAllOrNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a1, a2, a3 := f.seatID(f.event.ID, "Lower", "A", 1), f.seatID(f.event.ID, "Lower", "A", 2), f.seatID(f.event.ID, "Lower", "A", 3)
	first := f.hold(f.customer(), f.event.ID, booking.HoldRequest{SeatIDs: []string{a2}})
	u := f.customer()
	_, err := f.svc.PlaceHold(f.ctx, u, f.event.ID, booking.HoldRequest{SeatIDs: []string{a1, a2, a3}})
	wantCode(t, err, apperr.SeatsUnavailable, "one of three seats taken")
	st := f.statuses(f.event.ID)
	if st[a1] != booking.SeatAvailable || st[a2] != booking.SeatHeld || st[a3] != booking.SeatAvailable {
		t.Fatalf("after a failed hold: %s %s %s", st[a1], st[a2], st[a3])
	}
	f.checkHolds(f.event.ID, []booking.Hold{first})
	f.wantCounts(f.event.ID, capacity-1, 1, 0)

	// A sold seat refuses the same way.
	f.buy(f.customer(), f.event.ID, a3)
	_, err = f.svc.PlaceHold(f.ctx, u, f.event.ID, booking.HoldRequest{SeatIDs: []string{a1, a3}})
	wantCode(t, err, apperr.SeatsUnavailable, "one of two seats sold")
	f.wantCounts(f.event.ID, capacity-2, 1, 1)

	// GA beyond what is left holds nothing.
	f.hold(f.customer(), f.event.ID, booking.HoldRequest{Section: "Floor", Quantity: 8})
	f.hold(f.customer(), f.event.ID, booking.HoldRequest{Section: "Floor", Quantity: 8})
	_, err = f.svc.PlaceHold(f.ctx, u, f.event.ID, booking.HoldRequest{Section: "Floor", Quantity: 5})
	wantCode(t, err, apperr.SeatsUnavailable, "5 of the last 4 GA places")
	f.wantCounts(f.event.ID, capacity-18, 17, 1)
	h := f.hold(u, f.event.ID, booking.HoldRequest{SeatIDs: []string{a1}})
	if h.Quantity != 1 {
		t.Fatalf("hold %+v", h)
	}
}

func TestHoldNotOnSale(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.customer()
	best := booking.HoldRequest{BestAvailable: true, Quantity: 1}

	later := f.newEvent(f.venue, func(in *catalog.EventInput) { in.OnsaleAt = ptr(start.Add(time.Hour)) })
	soon := f.newEvent(f.venue, func(in *catalog.EventInput) { in.StartsAt = ptr(start.Add(30 * time.Minute)) })
	doomed := f.newEvent(f.venue, nil)
	h := f.hold(u, doomed.ID, best)

	_, err := f.svc.PlaceHold(f.ctx, u, later.ID, best)
	wantCode(t, err, apperr.NotOnSale, "before onsale_at")
	_, err = f.svc.PlaceHold(f.ctx, u, later.ID, booking.HoldRequest{Section: "Floor", Quantity: 1})
	wantCode(t, err, apperr.NotOnSale, "GA before onsale_at")
	f.wantCounts(later.ID, capacity, 0, 0)

	if _, err := f.svc.CancelEvent(f.ctx, f.admin, doomed.ID); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	_, err = f.svc.PlaceHold(f.ctx, u, doomed.ID, best)
	wantCode(t, err, apperr.NotOnSale, "cancelled event")
	_, err = f.svc.PlaceOrder(f.ctx, u, booking.OrderRequest{HoldID: h.ID, PaymentToken: okCard})
	wantCode(t, err, apperr.HoldNotActive, "order for a hold released by cancellation")

	f.hold(u, soon.ID, best) // still 30 minutes to go
	f.clk.Set(start.Add(time.Hour))
	f.hold(f.customer(), later.ID, best) // exactly onsale_at
	_, err = f.svc.PlaceHold(f.ctx, f.customer(), soon.ID, best)
	wantCode(t, err, apperr.NotOnSale, "after the start")
	f.clk.Set(start.Add(30 * time.Minute))
	_, err = f.svc.PlaceHold(f.ctx, f.customer(), soon.ID, best)
	wantCode(t, err, apperr.NotOnSale, "exactly at the start")

	_, err = f.svc.PlaceHold(f.ctx, u, "evt_nope", best)
	wantCode(t, err, apperr.NotFound, "unknown event")
}

func TestHoldValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.customer()
	a1 := f.seatID(f.event.ID, "Lower", "A", 1)
	many := make([]string, booking.MaxQuantity+1)
	for i := range many {
		many[i] = strconv.Itoa(i + 1)
	}
	for _, tc := range []struct {
		name  string
		r     booking.HoldRequest
		field string
	}{
		{"no mode", booking.HoldRequest{}, "seat_ids"},
		{"quantity alone", booking.HoldRequest{Quantity: 2}, "seat_ids"},
		{"seats and best available", booking.HoldRequest{SeatIDs: []string{a1}, BestAvailable: true, Quantity: 1}, "seat_ids"},
		{"seats and GA", booking.HoldRequest{SeatIDs: []string{a1}, Section: "Floor", Quantity: 1}, "seat_ids"},
		{"seats and a row", booking.HoldRequest{SeatIDs: []string{a1}, Row: "A"}, "seat_ids"},
		{"seats and a max price", booking.HoldRequest{SeatIDs: []string{a1}, MaxPriceCents: 100}, "seat_ids"},
		{"best quantity 0", booking.HoldRequest{BestAvailable: true}, "quantity"},
		{"best quantity 101", booking.HoldRequest{BestAvailable: true, Quantity: 101}, "quantity"},
		{"best quantity -1", booking.HoldRequest{BestAvailable: true, Quantity: -1}, "quantity"},
		{"GA quantity 0", booking.HoldRequest{Section: "Floor"}, "quantity"},
		{"GA quantity 101", booking.HoldRequest{Section: "Floor", Quantity: 101}, "quantity"},
		{"GA with a row", booking.HoldRequest{Section: "Floor", Quantity: 1, Row: "A"}, "row"},
		{"GA with a max price", booking.HoldRequest{Section: "Floor", Quantity: 1, MaxPriceCents: 10000}, ""},
		{"negative max price", booking.HoldRequest{BestAvailable: true, Quantity: 1, MaxPriceCents: -1}, "max_price_cents"},
		{"seat id not a number", booking.HoldRequest{SeatIDs: []string{"abc"}}, "seat_ids[0]"},
		{"seat id zero", booking.HoldRequest{SeatIDs: []string{a1, "0"}}, "seat_ids[1]"},
		{"seat id negative", booking.HoldRequest{SeatIDs: []string{"-3"}}, "seat_ids[0]"},
		{"seat id empty", booking.HoldRequest{SeatIDs: []string{""}}, "seat_ids[0]"},
		{"seat id not of this event", booking.HoldRequest{SeatIDs: []string{a1, "99999"}}, "seat_ids[1]"},
		{"seat id twice", booking.HoldRequest{SeatIDs: []string{a1, a1}}, "seat_ids[1]"},
		{"101 seats", booking.HoldRequest{SeatIDs: many}, "seat_ids"},
		{"GA unknown section", booking.HoldRequest{Section: "Balcony", Quantity: 1}, "section"},
		{"best unknown section", booking.HoldRequest{BestAvailable: true, Section: "Balcony", Quantity: 1}, "section"},
		{"GA mode on a reserved section", booking.HoldRequest{Section: "Lower", Quantity: 2}, "section"},
	} {
		_, err := f.svc.PlaceHold(f.ctx, u, f.event.ID, tc.r)
		if tc.field == "" {
			wantCode(t, err, apperr.Invalid, tc.name)
			continue
		}
		wantField(t, err, tc.field, tc.name)
	}
	f.wantCounts(f.event.ID, capacity, 0, 0)
	if st := f.statuses(f.event.ID); st[a1] != booking.SeatAvailable {
		t.Fatalf("seat %s is %s after invalid requests", a1, st[a1])
	}
	// None of it counted towards the buyer's limit: all 8 are still there.
	f.hold(u, f.event.ID, booking.HoldRequest{Section: "Floor", Quantity: 8})
}

func TestHoldExpiresWithoutSweeper(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u, v := f.customer(), f.customer()
	a1, a2 := f.seatID(f.event.ID, "Lower", "A", 1), f.seatID(f.event.ID, "Lower", "A", 2)
	first := f.hold(u, f.event.ID, booking.HoldRequest{SeatIDs: []string{a1, a2}})
	ga := f.hold(u, f.event.ID, booking.HoldRequest{Section: "Floor", Quantity: 5})
	f.wantCounts(f.event.ID, capacity-7, 7, 0)

	f.clk.Advance(holdTTL - time.Millisecond)
	if s := f.holdStatus(u, first.ID); s != booking.HoldActive {
		t.Fatalf("a millisecond before expiry the hold is %s", s)
	}
	_, err := f.svc.PlaceHold(f.ctx, v, f.event.ID, booking.HoldRequest{SeatIDs: []string{a1}})
	wantCode(t, err, apperr.SeatsUnavailable, "a millisecond before expiry")

	f.clk.Advance(time.Millisecond) // exactly expires_at: gone
	if s := f.holdStatus(u, first.ID); s != booking.HoldExpired {
		t.Fatalf("expired hold is %s", s)
	}
	st := f.statuses(f.event.ID)
	if st[a1] != booking.SeatAvailable || st[a2] != booking.SeatAvailable {
		t.Fatalf("seat map shows %s, %s for an expired hold", st[a1], st[a2])
	}
	if n := f.gaAvailable(f.event.ID, "Floor"); n != 20 {
		t.Fatalf("floor shows %d available, want 20", n)
	}
	f.wantCounts(f.event.ID, capacity, 0, 0)
	e, err := f.catalog.Event(f.ctx, f.event.ID)
	if err != nil || *e.Available != capacity {
		t.Fatalf("catalog says %v available (%v), want %d", e.Available, err, capacity)
	}
	offers, err := f.svc.Offers(f.ctx, f.event.ID, booking.OfferQuery{Quantity: 10, Section: "Lower"})
	if err != nil || len(offers) != 3 {
		t.Fatalf("offers of 10 in Lower: %d, %v; want all 3 rows", len(offers), err)
	}
	_, err = f.svc.PlaceOrder(f.ctx, u, booking.OrderRequest{HoldID: first.ID, PaymentToken: okCard})
	wantCode(t, err, apperr.HoldNotActive, "paying for an expired hold")
	if len(f.pay.Charges()) != 0 {
		t.Fatalf("an expired hold was charged")
	}

	// Another buyer takes the same seats, and the whole floor, before any sweep.
	second := f.hold(v, f.event.ID, booking.HoldRequest{SeatIDs: []string{a2, a1}})
	floor := f.hold(v, f.event.ID, booking.HoldRequest{Section: "Floor", Quantity: 6})
	f.checkHolds(f.event.ID, []booking.Hold{second, floor})
	if s := f.holdStatus(u, first.ID); s != booking.HoldExpired {
		t.Fatalf("first hold is %s after its seats were re-held", s)
	}

	// The sweeper tidies the two expired holds and must not free the new ones.
	n, err := f.svc.ExpireHolds(f.ctx)
	if err != nil || n != 2 {
		t.Fatalf("ExpireHolds = %d, %v; want 2", n, err)
	}
	f.checkHolds(f.event.ID, []booking.Hold{second, floor})
	st = f.statuses(f.event.ID)
	if st[a1] != booking.SeatHeld || st[a2] != booking.SeatHeld {
		t.Fatalf("the sweeper freed re-held seats: %s, %s", st[a1], st[a2])
	}
	f.wantCounts(f.event.ID, capacity-8, 8, 0)
	for _, id := range []string{first.ID, ga.ID} {
		if s := f.holdStatus(u, id); s != booking.HoldExpired {
			t.Fatalf("swept hold is %s", s)
		}
	}
	if err := f.svc.ReleaseHold(f.ctx, u, first.ID); err != nil {
		t.Fatalf("releasing an expired hold: %v", err)
	}
	f.checkHolds(f.event.ID, []booking.Hold{second, floor})
	if n, err := f.svc.ExpireHolds(f.ctx); err != nil || n != 0 {
		t.Fatalf("second sweep = %d, %v; want 0", n, err)
	}

	f.clk.Advance(holdTTL)
	if n, err := f.svc.ExpireHolds(f.ctx); err != nil || n != 2 {
		t.Fatalf("third sweep = %d, %v; want 2", n, err)
	}
	f.wantCounts(f.event.ID, capacity, 0, 0)
}

func TestHoldInPaymentDoesNotExpire(t *testing.T) {
	t.Parallel()
	var during func()
	// The provider takes ten minutes of business time to answer: the hold's
	// five are long over when the charge succeeds.
	f := newFixtureWith(t, fixtureOptions{provider: func(f *fixture) payment.Provider {
		return &hookProvider{Fake: f.pay, beforeCharge: func(payment.ChargeRequest) {
			f.clk.Advance(2 * holdTTL)
			during()
		}}
	}})
	u, rival := f.customer(), f.customer()
	a1, a2 := f.seatID(f.event.ID, "Lower", "A", 1), f.seatID(f.event.ID, "Lower", "A", 2)
	h := f.hold(u, f.event.ID, booking.HoldRequest{SeatIDs: []string{a1, a2}})
	var sawStatus booking.HoldStatus
	var sawCounts booking.SeatCounts
	var rivalErr error
	var limitErr error
	var swept int
	during = func() {
		sawStatus = f.holdStatus(u, h.ID)
		sawCounts = f.counts(f.event.ID)
		_, rivalErr = f.svc.PlaceHold(f.ctx, rival, f.event.ID, booking.HoldRequest{SeatIDs: []string{a1}})
		// A hold in payment still counts towards the buyer's limit (2 + 7 > 8).
		_, limitErr = f.svc.PlaceHold(f.ctx, u, f.event.ID, booking.HoldRequest{Section: "Floor", Quantity: 7})
		swept, _ = f.svc.ExpireHolds(f.ctx)
	}
	o := f.order(u, h.ID, okCard)

	if sawStatus != booking.HoldActive {
		t.Fatalf("during payment, past expires_at, the hold showed %s", sawStatus)
	}
	if sawCounts.Held != 2 || sawCounts.Sold != 0 {
		t.Fatalf("during payment the counts were %+v", sawCounts)
	}
	wantCode(t, rivalErr, apperr.SeatsUnavailable, "holding a seat whose hold is in payment")
	wantCode(t, limitErr, apperr.TicketLimitExceeded, "a hold in payment counts towards the limit")
	if swept != 0 {
		t.Fatalf("the sweeper expired %d holds during payment", swept)
	}
	if o.Status != booking.OrderPaid || len(o.Tickets) != 2 {
		t.Fatalf("order %s with %d tickets", o.Status, len(o.Tickets))
	}
	if s := f.holdStatus(u, h.ID); s != booking.HoldConverted {
		t.Fatalf("hold is %s after payment", s)
	}
	f.wantCounts(f.event.ID, capacity-2, 0, 2)
	if n := f.pay.ChargeCount(o.ID); n != 1 {
		t.Fatalf("%d charges", n)
	}
}

func TestTicketLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ev := f.newEvent(f.venue, func(in *catalog.EventInput) { in.MaxTicketsPerUser = ptr(3) })
	u := f.customer()
	h1 := f.hold(u, ev.ID, booking.HoldRequest{BestAvailable: true, Quantity: 2})
	_, err := f.svc.PlaceHold(f.ctx, u, ev.ID, booking.HoldRequest{Section: "Floor", Quantity: 2})
	wantCode(t, err, apperr.TicketLimitExceeded, "2 held + 2")
	_, err = f.svc.PlaceHold(f.ctx, u, ev.ID, booking.HoldRequest{BestAvailable: true, Quantity: 4})
	wantCode(t, err, apperr.TicketLimitExceeded, "4 at once")
	h2 := f.hold(u, ev.ID, booking.HoldRequest{Section: "Floor", Quantity: 1})
	_, err = f.svc.PlaceHold(f.ctx, u, ev.ID, booking.HoldRequest{Section: "Floor", Quantity: 1})
	wantCode(t, err, apperr.TicketLimitExceeded, "a 4th")
	f.checkHolds(ev.ID, []booking.Hold{h1, h2})
	// Another buyer, and the same buyer at another event, are not limited.
	f.hold(f.customer(), ev.ID, booking.HoldRequest{Section: "Floor", Quantity: 3})
	f.hold(u, f.event.ID, booking.HoldRequest{Section: "Floor", Quantity: 3})

	// Released and expired holds do not count.
	if err := f.svc.ReleaseHold(f.ctx, u, h2.ID); err != nil {
		t.Fatalf("release: %v", err)
	}
	f.hold(u, ev.ID, booking.HoldRequest{Section: "Floor", Quantity: 1})
	_, err = f.svc.PlaceHold(f.ctx, u, ev.ID, booking.HoldRequest{Section: "Floor", Quantity: 1})
	wantCode(t, err, apperr.TicketLimitExceeded, "3 held again + 1")
	f.clk.Advance(holdTTL)
	h4 := f.hold(u, ev.ID, booking.HoldRequest{BestAvailable: true, Quantity: 3})

	// Tickets count: buy 3, then nothing more, even after the hold is gone.
	o := f.order(u, h4.ID, okCard)
	f.clk.Advance(holdTTL)
	_, err = f.svc.PlaceHold(f.ctx, u, ev.ID, booking.HoldRequest{BestAvailable: true, Quantity: 1})
	wantCode(t, err, apperr.TicketLimitExceeded, "3 tickets + 1")
	// Refunded tickets no longer count.
	if _, err := f.svc.Refund(f.ctx, f.admin, o.ID); err != nil {
		t.Fatalf("refund: %v", err)
	}
	f.hold(u, ev.ID, booking.HoldRequest{BestAvailable: true, Quantity: 3})
}

func TestTicketLimitConcurrent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ev := f.newEvent(f.venue, func(in *catalog.EventInput) { in.MaxTicketsPerUser = ptr(3) })
	u := f.customer()
	var seatIDs []string
	for n := 1; n <= 10; n++ {
		seatIDs = append(seatIDs, f.seatID(ev.ID, "Lower", "B", n))
	}
	holds, errs := race(10, func(i int) (booking.Hold, error) {
		return f.svc.PlaceHold(f.ctx, u, ev.ID, booking.HoldRequest{SeatIDs: []string{seatIDs[i]}})
	})
	got := tally(errs)
	if got[""] != 3 || got[apperr.TicketLimitExceeded] != 7 || len(got) != 2 {
		t.Fatalf("outcomes %v; want 3 holds and 7 ticket_limit_exceeded", got)
	}
	var won []booking.Hold
	for i, h := range holds {
		if errs[i] == nil {
			won = append(won, h)
		}
	}
	f.checkHolds(ev.ID, won)
	f.wantCounts(ev.ID, capacity-3, 3, 0)

	// The same with best available and GA, mixed, after the holds expire.
	f.clk.Advance(holdTTL)
	_, errs = race(10, func(i int) (booking.Hold, error) {
		r := booking.HoldRequest{BestAvailable: true, Quantity: 1}
		if i%2 == 1 {
			r = booking.HoldRequest{Section: "Floor", Quantity: 1}
		}
		return f.svc.PlaceHold(f.ctx, u, ev.ID, r)
	})
	if got := tally(errs); got[""] != 3 || got[apperr.TicketLimitExceeded] != 7 {
		t.Fatalf("second round outcomes %v; want 3 holds and 7 ticket_limit_exceeded", got)
	}
	f.wantCounts(ev.ID, capacity-3, 3, 0)
}
