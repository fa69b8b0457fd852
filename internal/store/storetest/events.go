package storetest

import (
	"cmp"
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/ids"
)

// theatreVenue has 12 places whose map order is neither alphabetical nor
// by id: sections Stalls (rows "2" then "10"), Pit (GA) and Circle.
func theatreVenue(t *testing.T, s Engine) catalog.Venue {
	t.Helper()
	return newVenue(t, s, catalog.VenueInput{City: "London", Sections: []catalog.SectionInput{
		{Name: "Stalls", Rows: []catalog.Row{{Name: "2", Seats: 3}, {Name: "10", Seats: 2}}},
		{Name: "Pit", GeneralAdmission: true, Capacity: 4},
		{Name: "Circle", Rows: []catalog.Row{{Name: "1", Seats: 3}}},
	}})
}

func testCreateEventSeats(t *testing.T, s Engine) {
	v := theatreVenue(t, s)
	e := newEvent(t, s, v, catalog.EventInput{Prices: []catalog.Price{{Section: "Stalls", PriceCents: 5000}, {Section: "Circle", PriceCents: 0}},
		DefaultPriceCents: ptr(int64(1234))}) // Pit takes the default
	price := map[string]int64{"Stalls": 5000, "Circle": 0, "Pit": 1234}
	ss := seats(t, s, e.ID)
	if len(ss) != v.Capacity || v.Capacity != 12 {
		t.Fatalf("Seats: %d places, want the venue's capacity %d (12)", len(ss), v.Capacity)
	}
	// The venue's places, in section, row, number order.
	type place struct {
		section, row string
		number       int
	}
	var want []place
	var wantScores []int64
	secIDs := map[string]string{}
	for si, sec := range v.Sections {
		secIDs[sec.Name] = sec.ID
		if sec.GeneralAdmission {
			for range sec.Capacity {
				want = append(want, place{sec.Name, "", 0})
				wantScores = append(wantScores, int64(si)*1_000_000)
			}
			continue
		}
		for ri, r := range sec.Rows {
			for n := 1; n <= r.Seats; n++ {
				want = append(want, place{sec.Name, r.Name, n})
				wantScores = append(wantScores, catalog.SeatScore(si, ri, n, r.Seats))
			}
		}
	}
	nos := map[int64]bool{}
	for i, st := range ss {
		if got := (place{st.Section, st.Row, st.Number}); got != want[i] {
			t.Errorf("seat %d is %+v, want %+v (section, row, number order)", i, got, want[i])
		}
		if st.Score != wantScores[i] {
			t.Errorf("seat %+v score %d, want the venue seat's score %d", st, st.Score, wantScores[i])
		}
		if st.PriceCents != price[st.Section] {
			t.Errorf("seat %+v costs %d, want its section's price %d", st, st.PriceCents, price[st.Section])
		}
		if st.SectionID != secIDs[st.Section] {
			t.Errorf("seat %+v has section id %q, want %q", st, st.SectionID, secIDs[st.Section])
		}
		if ga := st.Section == "Pit"; st.GA != ga || (ga && (st.Row != "" || st.Number != 0)) {
			t.Errorf("seat %+v: GA=%v; a GA place has no row or number, a reserved one has both", st, st.GA)
		}
		if st.No < 1 || nos[st.No] {
			t.Errorf("seat number %d is not positive or not unique", st.No)
		}
		nos[st.No] = true
		if st.Status(now) != booking.SeatAvailable || st.HoldID != "" || st.OrderID != "" || !st.HoldUntil.IsZero() {
			t.Errorf("new event's seat %+v is not plainly available", st)
		}
	}
	// A second event at the same venue has its own copy of the seats.
	e2 := newEvent(t, s, v, catalog.EventInput{})
	placeHold(t, s, e.ID, newUser(t, s), []int64{ss[0].No}, holdOpts{})
	if st := seatMap(t, s, e2.ID)[ss[0].No]; st.HoldID != "" || st.PriceCents != 1000 {
		t.Errorf("seat %d of another event at the venue = %+v, want unheld at that event's price 1000", ss[0].No, st)
	}
}

func testEventRoundTrip(t *testing.T, s Engine) {
	ctx := context.Background()
	v := theatreVenue(t, s)
	zone := time.FixedZone("UTC+2", 2*60*60)
	in := catalog.Event{ID: ids.New("evt"), VenueID: v.ID, Name: "Round Trip", Category: "theatre", Description: "A play\nin two acts — «ünïcode»",
		StartsAt: now.Add(72*time.Hour + 250*time.Millisecond).In(zone), OnsaleAt: now.Add(-time.Hour + time.Millisecond),
		MaxTicketsPerUser: 6, Currency: "EUR",
		// Not in venue order: the store returns prices in venue order.
		Prices:          []catalog.Price{{Section: "Circle", PriceCents: 2500}, {Section: "Stalls", PriceCents: 5000}, {Section: "Pit", PriceCents: 1500}},
		ServiceFeeCents: 199, OrderFeeCents: 99,
		AddOns: []catalog.AddOn{{ID: ids.New("add"), Name: "Parking", PriceCents: 1200, MaxPerOrder: 2},
			{ID: ids.New("add"), Name: "Programme", PriceCents: 500, MaxPerOrder: 1}},
		Queue: catalog.Queue{Enabled: true, AdmitPerMinute: 120, Mode: catalog.QueueAuto, MinAdmitPerMinute: 30, MaxAdmitPerMinute: 900,
			OpensAt: ptr(now.Add(-2*time.Hour + 3*time.Millisecond)), PowDifficulty: 12},
		Status: catalog.StatusPublished, CreatedAt: now.Add(7 * time.Millisecond)}
	if err := s.CreateEvent(ctx, in); err != nil {
		t.Fatalf("CreateEvent: %v", err)
	}
	got, err := s.Event(ctx, in.ID)
	if err != nil {
		t.Fatalf("Event: %v", err)
	}
	var inTxEvent catalog.Event
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error {
		var err error
		inTxEvent, err = tx.Event(ctx, in.ID)
		return err
	})
	for _, got := range []catalog.Event{got, inTxEvent} {
		if got.ID != in.ID || got.VenueID != v.ID || got.Name != in.Name || got.Category != in.Category || got.Description != in.Description ||
			got.MaxTicketsPerUser != 6 || got.Currency != "EUR" || got.ServiceFeeCents != 199 || got.OrderFeeCents != 99 ||
			!reflect.DeepEqual(got.Queue, in.Queue) || got.Status != catalog.StatusPublished {
			t.Errorf("Event = %+v, want %+v", got, in)
		}
		if !got.StartsAt.Equal(in.StartsAt) || !got.OnsaleAt.Equal(in.OnsaleAt) || !got.CreatedAt.Equal(in.CreatedAt) {
			t.Errorf("Event times starts %v, onsale %v, created %v; want %v, %v, %v to the millisecond",
				got.StartsAt, got.OnsaleAt, got.CreatedAt, in.StartsAt, in.OnsaleAt, in.CreatedAt)
		}
		if !slices.Equal(got.AddOns, in.AddOns) {
			t.Errorf("AddOns = %+v, want %+v (in the order given)", got.AddOns, in.AddOns)
		}
	}
	// In a transaction the event's terms of sale only: no venue, prices or
	// price range.
	if inTxEvent.Venue != nil || inTxEvent.Prices != nil || inTxEvent.MinPriceCents != 0 || inTxEvent.MaxPriceCents != 0 {
		t.Errorf("Tx.Event has venue %v, prices %v, range %d..%d; want none (terms of sale only)", inTxEvent.Venue, inTxEvent.Prices,
			inTxEvent.MinPriceCents, inTxEvent.MaxPriceCents)
	}
	wantPrices := []catalog.Price{{Section: "Stalls", PriceCents: 5000}, {Section: "Pit", PriceCents: 1500}, {Section: "Circle", PriceCents: 2500}}
	if !slices.Equal(got.Prices, wantPrices) {
		t.Errorf("Prices = %+v, want %+v (venue order)", got.Prices, wantPrices)
	}
	if got.MinPriceCents != 1500 || got.MaxPriceCents != 5000 {
		t.Errorf("price range %d..%d, want 1500..5000", got.MinPriceCents, got.MaxPriceCents)
	}
	if got.Venue == nil {
		t.Fatalf("Event has no venue summary")
	}
	if vs := *got.Venue; vs.ID != v.ID || vs.Name != v.Name || vs.City != v.City || vs.Lat != v.Lat || vs.Lon != v.Lon ||
		vs.Timezone != v.Timezone || vs.Capacity != v.Capacity || len(vs.Sections) != 0 {
		t.Errorf("Event venue = %+v, want a summary (no sections) of %+v", vs, v)
	}
	if n := len(seats(t, s, in.ID)); n != v.Capacity {
		t.Errorf("Seats: %d, want %d", n, v.Capacity)
	}
}

func testEventWithoutAddOns(t *testing.T, s Engine) {
	e := smallEvent(t, s)
	got, err := s.Event(context.Background(), e.ID)
	if err != nil {
		t.Fatalf("Event: %v", err)
	}
	if got.AddOns == nil || len(got.AddOns) != 0 {
		t.Errorf("AddOns = %#v, want an empty, non-nil slice (the API shows [], not null)", got.AddOns)
	}
	if len(got.Prices) != 3 {
		t.Errorf("Prices = %+v, want 3", got.Prices)
	}
}

func testEventNotFound(t *testing.T, s Engine) {
	smallEvent(t, s)
	ctx := context.Background()
	if _, err := s.Event(ctx, ids.New("evt")); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("Event(unknown): %v, want %q", err, apperr.NotFound)
	}
	err := s.InTx(ctx, func(tx booking.Tx) error {
		_, err := tx.Event(ctx, ids.New("evt"))
		return err
	})
	if apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("Tx.Event(unknown): %v, want %q", err, apperr.NotFound)
	}
}

func eventNames(es []catalog.Event) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.Name)
	}
	return out
}

func testEventsFilters(t *testing.T, s Engine) {
	ctx := context.Background()
	gen := []catalog.SectionInput{{Name: "GA", GeneralAdmission: true, Capacity: 2}}
	stadium := newVenue(t, s, catalog.VenueInput{Name: "Riverside Stadium", City: "Portland", Lat: ptr(45.5), Lon: ptr(-122.6), Sections: gen})
	cellar := newVenue(t, s, catalog.VenueInput{Name: "Jazz Cellar", City: "Austin", Lat: ptr(30.3), Lon: ptr(-97.7), Sections: gen})
	day := 24 * time.Hour
	ev := func(v catalog.Venue, name, category string, starts time.Duration) catalog.Event {
		return newEvent(t, s, v, catalog.EventInput{Name: name, Category: category, StartsAt: ptr(now.Add(starts))})
	}
	ev(cellar, "Rock Night", "concert", 1*day)
	cup := ev(stadium, "Cup Final", "sports", 2*day)
	derby := ev(stadium, "Portland Derby", "sports", 3*day)
	old := ev(cellar, "Called Off", "concert", 4*day)
	ev(cellar, "Late Jazz", "concert", 10*day)
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error {
		return tx.SetEventStatus(ctx, old.ID, catalog.StatusCancelled)
	})

	for _, tc := range []struct {
		name string
		q    catalog.EventQuery
		want []string
	}{
		{"all, cancelled excluded", catalog.EventQuery{}, []string{"Rock Night", "Cup Final", "Portland Derby", "Late Jazz"}},
		{"include cancelled", catalog.EventQuery{IncludeCancelled: true}, []string{"Rock Night", "Cup Final", "Portland Derby", "Called Off", "Late Jazz"}},
		{"limit", catalog.EventQuery{Limit: 2}, []string{"Rock Night", "Cup Final"}},
		{"event name", catalog.EventQuery{Text: "rOcK"}, []string{"Rock Night"}},
		{"venue name", catalog.EventQuery{Text: "RIVERSIDE"}, []string{"Cup Final", "Portland Derby"}},
		{"city", catalog.EventQuery{Text: "austin"}, []string{"Rock Night", "Late Jazz"}},
		{"name or city", catalog.EventQuery{Text: "portland"}, []string{"Cup Final", "Portland Derby"}},
		{"no match", catalog.EventQuery{Text: "opera"}, []string{}},
		{"wildcard is literal", catalog.EventQuery{Text: "%"}, []string{}},
		{"category", catalog.EventQuery{Category: "sports"}, []string{"Cup Final", "Portland Derby"}},
		{"venue", catalog.EventQuery{VenueID: cellar.ID}, []string{"Rock Night", "Late Jazz"}},
		{"venue with cancelled", catalog.EventQuery{VenueID: cellar.ID, IncludeCancelled: true}, []string{"Rock Night", "Called Off", "Late Jazz"}},
		{"from is inclusive", catalog.EventQuery{From: cup.StartsAt}, []string{"Cup Final", "Portland Derby", "Late Jazz"}},
		{"to is exclusive", catalog.EventQuery{To: derby.StartsAt}, []string{"Rock Night", "Cup Final"}},
		{"from and to", catalog.EventQuery{From: now.Add(36 * time.Hour), To: now.Add(5 * day)}, []string{"Cup Final", "Portland Derby"}},
		{"bbox", catalog.EventQuery{BBox: &catalog.BBox{MinLat: 45, MaxLat: 46, MinLon: -123, MaxLon: -122}}, []string{"Cup Final", "Portland Derby"}},
		{"all together", catalog.EventQuery{Text: "jazz", Category: "concert", VenueID: cellar.ID, From: now, To: now.Add(30 * day)},
			[]string{"Rock Night", "Late Jazz"}},
	} {
		if tc.q.Limit == 0 {
			tc.q.Limit = 100
		}
		es, err := s.Events(ctx, tc.q)
		if err != nil {
			t.Fatalf("Events(%s): %v", tc.name, err)
		}
		if got := eventNames(es); !slices.Equal(got, tc.want) {
			t.Errorf("Events(%s) = %q, want %q", tc.name, got, tc.want)
		}
		for _, e := range es {
			if e.Venue == nil || e.Venue.ID != e.VenueID || len(e.Prices) != 1 || e.AddOns == nil {
				t.Errorf("Events(%s) lists %q with venue %+v, prices %+v, add-ons %#v; want all filled in", tc.name, e.Name, e.Venue, e.Prices, e.AddOns)
			}
		}
	}
}

func testEventsPaging(t *testing.T, s Engine) {
	ctx := context.Background()
	v := newVenue(t, s, catalog.VenueInput{Sections: []catalog.SectionInput{{Name: "GA", GeneralAdmission: true, Capacity: 1}}})
	var want []catalog.Event
	// Several events start at the same time: paging must break the tie by id.
	for _, h := range []int{5, 5, 5, 6, 6, 7, 8} {
		want = append(want, newEvent(t, s, v, catalog.EventInput{StartsAt: ptr(now.Add(time.Duration(h) * time.Hour))}))
	}
	slices.SortFunc(want, func(a, b catalog.Event) int {
		if c := a.StartsAt.Compare(b.StartsAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	var got []string
	q := catalog.EventQuery{Limit: 2}
	for page := 0; ; page++ {
		if page > len(want) {
			t.Fatalf("paging does not end: %d pages", page)
		}
		es, err := s.Events(ctx, q)
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		if len(es) > 2 {
			t.Fatalf("page of %d events, limit 2", len(es))
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			got = append(got, e.ID)
		}
		last := es[len(es)-1]
		q.AfterStartsAt, q.AfterID = last.StartsAt, last.ID
	}
	var wantIDs []string
	for _, e := range want {
		wantIDs = append(wantIDs, e.ID)
	}
	if !slices.Equal(got, wantIDs) {
		t.Errorf("paged ids = %v,\nwant each event once in (starts_at, id) order: %v", got, wantIDs)
	}
}

func testCountAvailable(t *testing.T, s Engine) {
	ctx := context.Background()
	e := smallEvent(t, s)
	u := newUser(t, s)
	a := seatNos(t, s, e.ID, "A", "")
	placeHold(t, s, e.ID, u, a[0:2], holdOpts{until: now.Add(10 * time.Minute)})                             // held
	placeHold(t, s, e.ID, u, a[2:3], holdOpts{at: now.Add(-20 * time.Minute), until: now.Add(-time.Minute)}) // expired
	buy(t, s, placeHold(t, s, e.ID, u, a[3:6], holdOpts{}), now)                                             // sold
	for _, tc := range []struct {
		at   time.Time
		want int
	}{
		{now, 16 - 2 - 3},
		{now.Add(10*time.Minute - time.Millisecond), 16 - 2 - 3},
		{now.Add(10 * time.Minute), 16 - 3}, // a hold ends at its expiry
	} {
		n, err := s.CountAvailable(ctx, e.ID, tc.at)
		if err != nil {
			t.Fatalf("CountAvailable: %v", err)
		}
		if n != tc.want {
			t.Errorf("CountAvailable at %v = %d, want %d", tc.at, n, tc.want)
		}
		if c := seatCounts(t, s, e.ID, tc.at); c.Available != n {
			t.Errorf("SeatCounts.Available = %d but CountAvailable = %d", c.Available, n)
		}
	}
}

func testSetEventStatus(t *testing.T, s Engine) {
	ctx := context.Background()
	e := smallEvent(t, s)
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error {
		return tx.SetEventStatus(ctx, e.ID, catalog.StatusCancelled)
	})
	got, err := s.Event(ctx, e.ID)
	if err != nil || got.Status != catalog.StatusCancelled {
		t.Errorf("Event after SetEventStatus = %q, %v; want %q", got.Status, err, catalog.StatusCancelled)
	}
	if es, err := s.Events(ctx, catalog.EventQuery{Limit: 10}); err != nil || len(es) != 0 {
		t.Errorf("Events lists %q, %v; want the cancelled event left out", eventNames(es), err)
	}
}

func testSection(t *testing.T, s Engine) {
	ctx := context.Background()
	e := smallEvent(t, s)
	other := smallEvent(t, s) // same section names, another venue
	var venue catalog.Venue
	venue, err := s.Venue(ctx, e.VenueID)
	if err != nil {
		t.Fatalf("Venue: %v", err)
	}
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error {
		for _, sec := range venue.Sections {
			id, ga, err := tx.Section(ctx, e.ID, sec.Name)
			if err != nil || id != sec.ID || ga != sec.GeneralAdmission {
				t.Errorf("Section(%q) = %q, %v, %v; want %q, %v", sec.Name, id, ga, err, sec.ID, sec.GeneralAdmission)
			}
			id2, _, err := tx.Section(ctx, other.ID, sec.Name)
			if err != nil || id2 == id {
				t.Errorf("Section(%q) of another venue's event = %q, %v; want that venue's own section", sec.Name, id2, err)
			}
		}
		if _, _, err := tx.Section(ctx, e.ID, "Nope"); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("Section(unknown): %v, want %q", err, apperr.NotFound)
		}
		return nil
	})
}

func testSeatsByNo(t *testing.T, s Engine) {
	e := smallEvent(t, s)
	all := seatMap(t, s, e.ID)
	ga := seatNos(t, s, e.ID, "GA", "")
	b := seatNos(t, s, e.ID, "B", "")
	asked := []int64{ga[1], b[2], b[0], 9999}
	inTx(t, s, func(ctx context.Context, tx booking.Tx) error {
		ss, err := tx.SeatsByNo(ctx, e.ID, asked)
		if err != nil {
			return err
		}
		// Any order: sort both by number.
		want := []booking.Seat{all[b[0]], all[b[2]], all[ga[1]]}
		byNo := func(x, y booking.Seat) int { return cmp.Compare(x.No, y.No) }
		slices.SortFunc(want, byNo)
		slices.SortFunc(ss, byNo)
		if !reflect.DeepEqual(ss, want) {
			t.Errorf("SeatsByNo(%v) =\n %+v\nwant the existing ones, and only them:\n %+v", asked, ss, want)
		}
		return nil
	})
}
