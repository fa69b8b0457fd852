package catalog_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/clock"
)

// cinema makes a venue of three screens of 10, 6 and 4 seats.
func cinema(t *testing.T) (*catalog.Service, catalog.Venue, *clock.Fake) {
	t.Helper()
	ctx := context.Background()
	cat, clk := newCatalog(t, time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
	lat, lon := 40.77, -73.98
	v, err := cat.CreateVenue(ctx, account.User{Role: account.RoleAdmin}, catalog.VenueInput{Name: "Cinema", Lat: &lat, Lon: &lon,
		Sections: []catalog.SectionInput{
			{Name: "Screen 1", Rows: []catalog.Row{{Name: "A", Seats: 5}, {Name: "B", Seats: 5}}},
			{Name: "Screen 2", Rows: []catalog.Row{{Name: "A", Seats: 6}}},
			{Name: "Screen 3", Rows: []catalog.Row{{Name: "A", Seats: 4}}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	return cat, v, clk
}

func TestCreateEventOnSomeSections(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cat, v, clk := cinema(t)
	admin := account.User{Role: account.RoleAdmin}
	starts, onsale := clk.Now().Add(48*time.Hour), clk.Now().Add(-time.Hour)
	def := int64(1500)
	e, err := cat.CreateEvent(ctx, admin, catalog.EventInput{VenueID: v.ID, Name: "Film", Category: "movie", StartsAt: &starts, OnsaleAt: &onsale,
		Sections: []string{"Screen 3", "Screen 2"}, Prices: []catalog.Price{{Section: "Screen 3", PriceCents: 1200}}, DefaultPriceCents: &def})
	if err != nil {
		t.Fatal(err)
	}
	// Venue order, whatever order the input named them in.
	if want := []string{"Screen 2", "Screen 3"}; !slices.Equal(e.Sections, want) {
		t.Errorf("Sections = %v, want %v", e.Sections, want)
	}
	if want := []catalog.Price{{Section: "Screen 2", PriceCents: 1500}, {Section: "Screen 3", PriceCents: 1200}}; !slices.Equal(e.Prices, want) {
		t.Errorf("Prices = %v, want %v", e.Prices, want)
	}
	if e.Available == nil || *e.Available != 10 {
		t.Errorf("Available = %v, want 10 (6 + 4)", e.Available)
	}
	if e.MinPriceCents != 1200 || e.MaxPriceCents != 1500 {
		t.Errorf("price range %d..%d, want 1200..1500", e.MinPriceCents, e.MaxPriceCents)
	}
	got, err := cat.Event(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Sections, e.Sections) || *got.Available != 10 {
		t.Errorf("read back: sections %v, available %d", got.Sections, *got.Available)
	}
	// An update re-validates against the sections on sale, not the venue's.
	name := "Film (late)"
	up, err := cat.UpdateEvent(ctx, admin, e.ID, catalog.EventUpdate{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	if up.Name != name || !slices.Equal(up.Sections, e.Sections) || *up.Available != 10 {
		t.Errorf("updated: %q, sections %v, available %d", up.Name, up.Sections, *up.Available)
	}
	// Omitted sections put every section on sale, as before.
	all, err := cat.CreateEvent(ctx, admin, catalog.EventInput{VenueID: v.ID, Name: "Gala", Category: "movie", StartsAt: &starts, OnsaleAt: &onsale,
		DefaultPriceCents: &def})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(all.Sections, []string{"Screen 1", "Screen 2", "Screen 3"}) || *all.Available != 20 {
		t.Errorf("all sections: %v, available %d", all.Sections, *all.Available)
	}
}

func TestCreateEventSectionsValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cat, v, clk := cinema(t)
	admin := account.User{Role: account.RoleAdmin}
	starts, onsale := clk.Now().Add(48*time.Hour), clk.Now().Add(-time.Hour)
	def := int64(1500)
	cases := []struct {
		name     string
		sections []string
		prices   []catalog.Price
		def      *int64
		field    string
	}{
		{"empty list", []string{}, nil, &def, "sections"},
		{"unknown section", []string{"Screen 9"}, nil, &def, "sections[0]"},
		{"listed twice", []string{"Screen 1", "Screen 2", "Screen 1"}, nil, &def, "sections[2]"},
		{"price for a section not on sale", []string{"Screen 2"}, []catalog.Price{{Section: "Screen 1", PriceCents: 900}}, &def, "prices[0].section"},
		{"price for an unknown section", []string{"Screen 2"}, []catalog.Price{{Section: "Lobby", PriceCents: 900}}, &def, "prices[0].section"},
		{"section on sale without a price", []string{"Screen 1", "Screen 2"}, []catalog.Price{{Section: "Screen 2", PriceCents: 900}}, nil, "prices"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := cat.CreateEvent(ctx, admin, catalog.EventInput{VenueID: v.ID, Name: "Film", Category: "movie", StartsAt: &starts, OnsaleAt: &onsale,
				Sections: c.sections, Prices: c.prices, DefaultPriceCents: c.def})
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid {
				t.Fatalf("err = %v, want validation_failed", err)
			}
			var fields []string
			for _, f := range e.Fields {
				fields = append(fields, f.Field)
			}
			if !slices.Contains(fields, c.field) {
				t.Errorf("fields %v (%v), want %s", fields, e.Fields, c.field)
			}
		})
	}
	// None of them stored anything.
	es, err := cat.VenueEvents(ctx, v.ID, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 0 {
		t.Errorf("%d events stored by rejected inputs", len(es))
	}
	// A section not on sale needs no price: one on sale is enough.
	if _, err := cat.CreateEvent(ctx, admin, catalog.EventInput{VenueID: v.ID, Name: "Film", Category: "movie", StartsAt: &starts, OnsaleAt: &onsale,
		Sections: []string{"Screen 2"}, Prices: []catalog.Price{{Section: "Screen 2", PriceCents: 900}}}); err != nil {
		t.Errorf("one screen priced: %v", err)
	}
}
