package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

// testEventOnSomeSections: an event on some of its venue's sections (a
// showtime on one screen of a cinema) has only their seats, numbered 1..n
// in venue order, and every count, plan and sales figure of the event is
// of those seats alone. Screens 1 and 3 of three, so that the venue's seat
// numbers of the event's places do not start at 1 nor run without a gap.
func testEventOnSomeSections(t *testing.T, s Engine) {
	ctx := context.Background()
	v := newVenue(t, s, catalog.VenueInput{Name: "Cinema", City: "New York", Sections: []catalog.SectionInput{
		{Name: "Screen 1", Rows: []catalog.Row{{Name: "A", Seats: 3}, {Name: "B", Seats: 3}}},
		{Name: "Screen 2", Rows: []catalog.Row{{Name: "A", Seats: 5}}},
		{Name: "Screen 3", Rows: []catalog.Row{{Name: "A", Seats: 2}, {Name: "B", Seats: 2}}},
	}})
	e := newEvent(t, s, v, catalog.EventInput{Category: "movie", Sections: []string{"Screen 3", "Screen 1"},
		Prices: []catalog.Price{{Section: "Screen 1", PriceCents: 1400}, {Section: "Screen 3", PriceCents: 1100}}})
	other := newEvent(t, s, v, catalog.EventInput{Category: "movie", Sections: []string{"Screen 2"}, DefaultPriceCents: ptr(int64(900))})

	got, err := s.Event(ctx, e.ID)
	if err != nil {
		t.Fatalf("Event: %v", err)
	}
	if want := []string{"Screen 1", "Screen 3"}; !slices.Equal(got.Sections, want) {
		t.Errorf("Sections = %v, want %v (venue order)", got.Sections, want)
	}
	if want := []catalog.Price{{Section: "Screen 1", PriceCents: 1400}, {Section: "Screen 3", PriceCents: 1100}}; !slices.Equal(got.Prices, want) {
		t.Errorf("Prices = %v, want %v", got.Prices, want)
	}
	if got.MinPriceCents != 1100 || got.MaxPriceCents != 1400 {
		t.Errorf("price range %d..%d, want 1100..1400", got.MinPriceCents, got.MaxPriceCents)
	}

	type place struct {
		no           int64
		section, row string
		number       int
		price        int64
	}
	want := []place{
		{1, "Screen 1", "A", 1, 1400}, {2, "Screen 1", "A", 2, 1400}, {3, "Screen 1", "A", 3, 1400},
		{4, "Screen 1", "B", 1, 1400}, {5, "Screen 1", "B", 2, 1400}, {6, "Screen 1", "B", 3, 1400},
		{7, "Screen 3", "A", 1, 1100}, {8, "Screen 3", "A", 2, 1100}, {9, "Screen 3", "B", 1, 1100}, {10, "Screen 3", "B", 2, 1100},
	}
	for name, read := range map[string]func(context.Context, string) ([]booking.Seat, error){"Seats": s.Seats, "PlanSeats": s.PlanSeats} {
		ss, err := read(ctx, e.ID)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var places []place
		for _, st := range ss {
			places = append(places, place{st.No, st.Section, st.Row, st.Number, st.PriceCents})
		}
		if !slices.Equal(places, want) {
			t.Errorf("%s = %+v,\nwant %+v", name, places, want)
		}
	}
	if ss := seats(t, s, other.ID); len(ss) != 5 || ss[0].No != 1 || ss[4].No != 5 || ss[0].Section != "Screen 2" {
		t.Errorf("the Screen 2 showtime has %d places (%+v), want Screen 2's 5 numbered 1..5", len(ss), ss)
	}

	n, err := s.CountAvailable(ctx, e.ID, now)
	if err != nil {
		t.Fatalf("CountAvailable: %v", err)
	}
	if n != 10 {
		t.Errorf("CountAvailable = %d, want 10 (screens 1 and 3), not the venue's %d", n, v.Capacity)
	}
	if c := seatCounts(t, s, e.ID, now); c.Capacity != 10 || c.Available != 10 {
		t.Errorf("SeatCounts = %+v, want capacity 10, all available", c)
	}

	// Holds by section find the sections on sale only.
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error {
		if _, _, err := tx.Section(ctx, e.ID, "Screen 2"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("Section(Screen 2) of a showtime on screens 1 and 3: %v, want not_found", err)
		}
		if _, _, err := tx.Section(ctx, other.ID, "Screen 2"); err != nil {
			t.Errorf("Section(Screen 2) of the Screen 2 showtime: %v", err)
		}
		return nil
	})

	// A sale on screen 3 and a hold on screen 1: the books balance on the
	// event's 10 places and the sales name screen 3 only.
	buyer := newUser(t, s)
	buy(t, s, placeHold(t, s, e.ID, buyer, []int64{9, 10}, holdOpts{}), now)
	placeHold(t, s, e.ID, newUser(t, s), []int64{1}, holdOpts{})
	if c := seatCounts(t, s, e.ID, now); c.Capacity != 10 || c.Sold != 2 || c.Held != 1 || c.Available != 7 {
		t.Errorf("SeatCounts after a sale of 2 and a hold of 1 = %+v, want capacity 10: 7 available, 1 held, 2 sold", c)
	}
	taken, err := s.TakenSeats(ctx, e.ID, now)
	if err != nil {
		t.Fatalf("TakenSeats: %v", err)
	}
	if want := []booking.TakenSeat{{No: 1}, {No: 9, Sold: true}, {No: 10, Sold: true}}; !slices.Equal(taken, want) {
		t.Errorf("TakenSeats = %+v, want %+v", taken, want)
	}
	sb, err := s.SalesBreakdown(ctx, e.ID)
	if err != nil {
		t.Fatalf("SalesBreakdown: %v", err)
	}
	if len(sb.Sections) != 1 || sb.Sections[0].Section != "Screen 3" || sb.Sections[0].Sold != 2 || sb.Sections[0].TicketsCents != 2200 {
		t.Errorf("SalesBreakdown sections = %+v, want Screen 3 only: 2 sold for 2200", sb.Sections)
	}
	// The other showtime at the venue is untouched.
	if c := seatCounts(t, s, other.ID, now); c.Capacity != 5 || c.Available != 5 {
		t.Errorf("the Screen 2 showtime's SeatCounts = %+v, want 5 available of 5", c)
	}
}
