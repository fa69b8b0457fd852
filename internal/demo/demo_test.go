package demo

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // like the binary: don't depend on the host's zoneinfo

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/store/sqlite"
)

// TestLoad loads the demo into a real SQLite file and reads it back through
// the catalog, the way the web pages and the API will.
func TestLoad(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 15, 4, 5, 0, time.UTC)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat := catalog.NewService(st, clock.NewFake(now))
	admin := account.User{ID: "usr_demo_admin", Email: "admin@example.com", Name: "Admin", Role: account.RoleAdmin}

	start := time.Now()
	sum, err := Load(ctx, cat, admin, now)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Load took %v: %d venues, %d events, %d places on sale", took, sum.Venues, sum.Events, sum.Seats)
	for _, h := range sum.Highlights {
		t.Logf("highlight: %s  %s", h.Name, h.EventID)
	}

	if _, err := Load(ctx, cat, admin, now); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("second Load: %v, want ErrNotEmpty", err)
	}

	t.Run("stadium", func(t *testing.T) {
		v, err := cat.Venue(ctx, sum.Stadium)
		if err != nil {
			t.Fatal(err)
		}
		if v.Name != "MetLife Stadium" || v.Capacity < 77_600 || v.Capacity > 82_400 {
			t.Errorf("stadium %q holds %d, want MetLife Stadium with 80,000 ± 3%%", v.Name, v.Capacity)
		}
		levels := map[byte]int{}
		radius := map[byte]float64{}
		for _, s := range v.Sections {
			if s.GeneralAdmission || len(s.Rows) == 0 || s.X == nil || s.Y == nil {
				t.Fatalf("section %s: want reserved rows and a map position", s.Name)
			}
			levels[s.Name[0]]++
			radius[s.Name[0]] += ((*s.X-500)*(*s.X-500)/1.5 + (*s.Y-500)*(*s.Y-500))
		}
		if levels['1'] != 49 || levels['2'] != 50 || levels['3'] != 49 || len(levels) != 3 {
			t.Errorf("sections per level %v, want 100s, 200s and 300s", levels)
		}
		if !(radius['1']/49 < radius['2']/50 && radius['2']/50 < radius['3']/49) {
			t.Errorf("rings are not nested 100 inside 200 inside 300")
		}
		if n := v.Sections[0].Name; n[0] != '1' || n < "111" || n > "142" {
			t.Errorf("best section %s, want a 100-level sideline", n)
		}
	})

	t.Run("arena", func(t *testing.T) {
		v, err := cat.Venue(ctx, sum.Arena)
		if err != nil {
			t.Fatal(err)
		}
		ga, reserved := 0, 0
		for _, s := range v.Sections {
			if s.GeneralAdmission {
				ga += s.Capacity
			} else {
				reserved += s.Capacity
			}
		}
		if ga < 3000 || reserved < 12_000 || !v.Sections[0].GeneralAdmission {
			t.Errorf("arena has %d GA and %d reserved places, first section %q; want a GA floor first and ~14,000 reserved",
				ga, reserved, v.Sections[0].Name)
		}
	})

	all, err := cat.Venues(ctx, "", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != sum.Venues {
		t.Errorf("%d venues stored, summary says %d", len(all), sum.Venues)
	}

	t.Run("cinemas", func(t *testing.T) {
		cities := map[string][]catalog.Venue{}
		for _, v := range all {
			if strings.Contains(v.Name, " — Screen ") {
				cities[v.City] = append(cities[v.City], v)
			}
		}
		if len(cities) != 3 {
			t.Fatalf("cinema screens in %d cities, want 3", len(cities))
		}
		for city, screens := range cities {
			loc := mustLoc(t, screens[0].Timezone)
			days := map[string]bool{}
			shows := 0
			for _, sc := range screens {
				es, err := cat.VenueEvents(ctx, sc.ID, 500)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range es {
					if e.Category != "movie" || !e.OnSale(now) {
						t.Errorf("%s at %s: category %s, on sale %v", e.Name, sc.Name, e.Category, e.OnSale(now))
					}
					days[e.StartsAt.In(loc).Format(time.DateOnly)] = true
				}
				shows += len(es)
			}
			if len(days) < 7 {
				t.Errorf("%s has showtimes on %d days, want a week", city, len(days))
			}
			near, _, err := cat.Events(ctx, catalog.EventSearch{Category: "movie", Near: &catalog.Point{Lat: screens[0].Lat, Lon: screens[0].Lon},
				RadiusKm: 5, Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			if len(near) != shows {
				t.Errorf("%s: %d showtimes near the cinema, %d at its screens", city, len(near), shows)
			}
		}
	})

	t.Run("every event prices every section", func(t *testing.T) {
		venues := map[string]catalog.Venue{}
		var events []catalog.Event
		for cursor := ""; ; {
			page, next, err := cat.Events(ctx, catalog.EventSearch{Limit: 500, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			events = append(events, page...)
			if cursor = next; cursor == "" {
				break
			}
		}
		if len(events) != sum.Events {
			t.Errorf("%d events listed, summary says %d", len(events), sum.Events)
		}
		places := 0
		var notOnSale []catalog.Event
		for _, e := range events {
			v, ok := venues[e.VenueID]
			if !ok {
				if v, err = cat.Venue(ctx, e.VenueID); err != nil {
					t.Fatal(err)
				}
				venues[e.VenueID] = v
			}
			places += v.Capacity
			if len(e.Prices) != len(v.Sections) {
				t.Errorf("%s: %d prices for %d sections", e.Name, len(e.Prices), len(v.Sections))
			}
			for _, s := range v.Sections {
				if p, ok := e.PriceOf(s.Name); !ok || p <= 0 {
					t.Errorf("%s: section %s has no price", e.Name, s.Name)
				}
			}
			if !e.OnSale(now) {
				notOnSale = append(notOnSale, e)
			}
		}
		if places != sum.Seats {
			t.Errorf("events hold %d places, summary says %d", places, sum.Seats)
		}
		if len(notOnSale) != 1 || notOnSale[0].VenueID != sum.Stadium || !notOnSale[0].OnsaleAt.After(now) {
			t.Errorf("want exactly one event, at the stadium, whose sale opens later; got %d", len(notOnSale))
		}
		for _, h := range sum.Highlights {
			e, err := cat.Event(ctx, h.EventID)
			if err != nil {
				t.Fatalf("highlight %q: %v", h.Name, err)
			}
			if *e.Available != venues[e.VenueID].Capacity {
				t.Errorf("%s: %d available of %d", e.Name, *e.Available, venues[e.VenueID].Capacity)
			}
		}
	})

	t.Run("near Midtown", func(t *testing.T) {
		vs, err := cat.Venues(ctx, "", &catalog.Point{Lat: 40.75, Lon: -73.99}, 30)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for i, v := range vs {
			names = append(names, v.Name)
			if i > 0 && *v.DistanceKm < *vs[i-1].DistanceKm {
				t.Errorf("%s (%.2f km) listed after %s (%.2f km)", v.Name, *v.DistanceKm, vs[i-1].Name, *vs[i-1].DistanceKm)
			}
		}
		want := []string{"AMC Lincoln Square 13 — Screen 1", "AMC Lincoln Square 13 — Screen 2", "AMC Lincoln Square 13 — Screen 3",
			"Barclays Center", "MetLife Stadium"}
		slices.Sort(names[:3]) // the screens share one address
		if !slices.Equal(names, want) {
			t.Errorf("venues within 30 km of Midtown, nearest first: %q, want %q", names, want)
		}
	})
}
