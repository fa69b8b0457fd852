package storetest

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/ids"
)

func exerciseCatalog(t *testing.T, newStore func(t *testing.T) Engine) {
	parallel(t, newStore, map[string]func(t *testing.T, s Engine){
		"VenueRoundTrip":                 testVenueRoundTrip,
		"VenueNotFound":                  testVenueNotFound,
		"VenuesTextFilter":               testVenuesText,
		"VenuesBBoxFilter":               testVenuesBBox,
		"CreateEventCopiesEverySeat":     testCreateEventSeats,
		"EventRoundTrip":                 testEventRoundTrip,
		"EventWithoutAddOns":             testEventWithoutAddOns,
		"EventNotFound":                  testEventNotFound,
		"EventsFilters":                  testEventsFilters,
		"EventsKeysetPagingReturnsEach":  testEventsPaging,
		"CountAvailable":                 testCountAvailable,
		"SetEventStatusCancelsTheEvent":  testSetEventStatus,
		"SectionFindsByNameWithinVenue":  testSection,
		"SeatsByNoReturnsOnlyThoseAsked": testSeatsByNo,
		"EventOnSomeSections":            testEventOnSomeSections,
	})
}

func testVenueRoundTrip(t *testing.T, s Engine) {
	ctx := context.Background()
	want := newVenue(t, s, catalog.VenueInput{Name: "Round Trip Hall", Address: "1 Main St", City: "Portland", Region: "Oregon",
		Country: "US", Lat: ptr(45.523064), Lon: ptr(-122.676483), Timezone: "America/Los_Angeles",
		Sections: []catalog.SectionInput{
			{Name: "Lower", Rows: []catalog.Row{{Name: "A", Seats: 3}, {Name: "B", Seats: 4}}, X: ptr(1.5), Y: ptr(-2.25)},
			{Name: "Floor", GeneralAdmission: true, Capacity: 5},
			{Name: "Balcony", Rows: []catalog.Row{{Name: "1", Seats: 2}}, X: ptr(0.0), Y: ptr(10.0)},
		}})
	got, err := s.Venue(ctx, want.ID)
	if err != nil {
		t.Fatalf("Venue: %v", err)
	}
	if !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("CreatedAt = %v, want %v", got.CreatedAt, want.CreatedAt)
	}
	got.CreatedAt, want.CreatedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Venue round trip:\n got %+v\nwant %+v", got, want)
	}
	if got.Capacity != 14 {
		t.Errorf("Capacity = %d, want 14", got.Capacity)
	}
	var names []string
	for _, sec := range got.Sections {
		names = append(names, sec.Name)
	}
	if want := []string{"Lower", "Floor", "Balcony"}; !slices.Equal(names, want) {
		t.Errorf("sections in order %v, want the venue's order %v", names, want)
	}
	if len(got.Sections) == 3 {
		if c := got.Sections[0].Capacity; c != 7 {
			t.Errorf("reserved section capacity = %d, want 7 (sum of its rows)", c)
		}
		if f := got.Sections[1]; !f.GeneralAdmission || f.Capacity != 5 || len(f.Rows) != 0 || f.X != nil || f.Y != nil {
			t.Errorf("GA section = %+v, want general admission, capacity 5, no rows, no x/y", f)
		}
		if b := got.Sections[2]; b.X == nil || *b.X != 0 || b.Y == nil || *b.Y != 10 {
			t.Errorf("section x/y = %v/%v, want 0/10 (a zero x is a position, not missing)", b.X, b.Y)
		}
	}
}

func testVenueNotFound(t *testing.T, s Engine) {
	smallVenue(t, s)
	if _, err := s.Venue(context.Background(), ids.New("ven")); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("Venue(unknown): %v, want %q", err, apperr.NotFound)
	}
}

// fourVenues stores venues whose names, cities and regions the filters
// below tell apart, including the LIKE wildcards % and _.
func fourVenues(t *testing.T, s Engine) map[string]catalog.Venue {
	t.Helper()
	gen := []catalog.SectionInput{{Name: "GA", GeneralAdmission: true, Capacity: 1}}
	out := map[string]catalog.Venue{}
	for _, in := range []catalog.VenueInput{
		{Name: "Alpha Arena", City: "Springfield", Region: "Illinois", Lat: ptr(39.80), Lon: ptr(-89.64)},
		{Name: "Beta Hall", City: "Shelbyville", Region: "Ohio", Lat: ptr(40.00), Lon: ptr(-83.00)},
		{Name: "100% Club", City: "Capital City", Region: "Kentucky", Lat: ptr(38.20), Lon: ptr(-85.70)},
		{Name: "Gamma_Dome", City: "Ogdenville", Region: "Oregon", Lat: ptr(45.50), Lon: ptr(-122.60)},
	} {
		in.Sections = gen
		out[in.Name] = newVenue(t, s, in)
	}
	return out
}

func venueNames(vs []catalog.Venue) []string {
	out := []string{}
	for _, v := range vs {
		out = append(out, v.Name)
	}
	return out
}

func testVenuesText(t *testing.T, s Engine) {
	fourVenues(t, s)
	for _, tc := range []struct {
		text  string
		limit int
		want  []string
	}{
		{"", 100, []string{"100% Club", "Alpha Arena", "Beta Hall", "Gamma_Dome"}}, // name order
		{"", 2, []string{"100% Club", "Alpha Arena"}},
		{"arena", 100, []string{"Alpha Arena"}},                          // name, any case
		{"SPRINGFIELD", 100, []string{"Alpha Arena"}},                    // city
		{"ohio", 100, []string{"Beta Hall"}},                             // region
		{"ill", 100, []string{"Alpha Arena", "Beta Hall", "Gamma_Dome"}}, // region or city
		{"%", 100, []string{"100% Club"}},                                // a literal %, not a wildcard
		{"_", 100, []string{"Gamma_Dome"}},                               // a literal _, not a wildcard
		{"nowhere", 100, []string{}},
	} {
		vs, err := s.Venues(context.Background(), catalog.VenueQuery{Text: tc.text, Limit: tc.limit})
		if err != nil {
			t.Fatalf("Venues(%q): %v", tc.text, err)
		}
		if got := venueNames(vs); !slices.Equal(got, tc.want) {
			t.Errorf("Venues(text %q, limit %d) = %q, want %q", tc.text, tc.limit, got, tc.want)
		}
		for _, v := range vs {
			if len(v.Sections) != 0 {
				t.Errorf("Venues lists %q with %d sections, want none (listings are summaries)", v.Name, len(v.Sections))
			}
			if v.Capacity != 1 || v.Lat == 0 || v.City == "" {
				t.Errorf("Venues lists %+v without its fields", v)
			}
		}
	}
}

func testVenuesBBox(t *testing.T, s Engine) {
	fourVenues(t, s)
	box := &catalog.BBox{MinLat: 39, MaxLat: 41, MinLon: -90, MaxLon: -82}
	for _, tc := range []struct {
		text string
		box  *catalog.BBox
		want []string
	}{
		{"", box, []string{"Alpha Arena", "Beta Hall"}},
		{"hall", box, []string{"Beta Hall"}},
		{"gamma", box, []string{}},
		{"", &catalog.BBox{MinLat: 45, MaxLat: 46, MinLon: -123, MaxLon: -122}, []string{"Gamma_Dome"}},
		{"", &catalog.BBox{MinLat: -10, MaxLat: 10, MinLon: -10, MaxLon: 10}, []string{}},
	} {
		vs, err := s.Venues(context.Background(), catalog.VenueQuery{Text: tc.text, BBox: tc.box, Limit: 100})
		if err != nil {
			t.Fatalf("Venues: %v", err)
		}
		if got := venueNames(vs); !slices.Equal(got, tc.want) {
			t.Errorf("Venues(text %q, bbox %+v) = %q, want %q", tc.text, *tc.box, got, tc.want)
		}
	}
}
