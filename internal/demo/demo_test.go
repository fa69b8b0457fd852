package demo

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
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
		var cinemas []catalog.Venue
		for _, v := range all {
			if v.Name == "AMC Lincoln Square 13" || v.Name == "Alamo Drafthouse Downtown LA" || v.Name == "Music Box Theatre" {
				cinemas = append(cinemas, v)
			}
		}
		if len(cinemas) != 3 {
			t.Fatalf("%d cinemas, want 3, one venue each", len(cinemas))
		}
		for _, c := range cinemas {
			v, err := cat.Venue(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			capacity := map[string]int{}
			for i, sec := range v.Sections {
				if want := fmt.Sprintf("Screen %d", i+1); sec.Name != want || sec.GeneralAdmission {
					t.Errorf("%s: section %d is %q (GA %v), want reserved %q", v.Name, i, sec.Name, sec.GeneralAdmission, want)
				}
				capacity[sec.Name] = sec.Capacity
			}
			if len(v.Sections) < 2 {
				t.Errorf("%s has %d screens", v.Name, len(v.Sections))
			}
			loc := mustLoc(t, v.Timezone)
			days := map[string]bool{}
			screens := map[string]int{}
			filmScreens := map[string]map[string]bool{} // title -> screens it plays on
			es, err := cat.VenueEvents(ctx, v.ID, 500)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				if e.Category != "movie" || !e.OnSale(now) {
					t.Errorf("%s at %s: category %s, on sale %v", e.Name, v.Name, e.Category, e.OnSale(now))
				}
				if len(e.Sections) != 1 {
					t.Fatalf("%s at %s is on sections %v, want one screen", e.Name, v.Name, e.Sections)
				}
				screens[e.Sections[0]]++
				if filmScreens[e.Name] == nil {
					filmScreens[e.Name] = map[string]bool{}
				}
				filmScreens[e.Name][e.Sections[0]] = true
				days[e.StartsAt.In(loc).Format(time.DateOnly)] = true
			}
			if len(screens) != len(v.Sections) {
				t.Errorf("%s: showtimes on %d of its %d screens", v.Name, len(screens), len(v.Sections))
			}
			if len(days) < 7 {
				t.Errorf("%s has showtimes on %d days, want a week", v.Name, len(days))
			}
			if v.Name == "AMC Lincoln Square 13" && len(filmScreens["Orbit of Ash"]) != 2 {
				t.Errorf("%s shows Orbit of Ash on %d screens, want 2 (one film's grid across screens)", v.Name, len(filmScreens["Orbit of Ash"]))
			}
			// A showtime sells its screen's seats only.
			e, err := cat.Event(ctx, es[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if *e.Available != capacity[e.Sections[0]] || *e.Available >= v.Capacity {
				t.Errorf("%s at %s, %s: %d available, want the screen's %d (the cinema holds %d)", e.Name, v.Name, e.Sections[0],
					*e.Available, capacity[e.Sections[0]], v.Capacity)
			}
			near, _, err := cat.Events(ctx, catalog.EventSearch{Category: "movie", Near: &catalog.Point{Lat: v.Lat, Lon: v.Lon},
				RadiusKm: 5, Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			if len(near) != len(es) {
				t.Errorf("%s: %d showtimes near the cinema, %d at it", v.Name, len(near), len(es))
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
			onSale := 0
			for _, s := range v.Sections {
				if !slices.Contains(e.Sections, s.Name) {
					continue
				}
				onSale++
				places += s.Capacity
				if p, ok := e.PriceOf(s.Name); !ok || p <= 0 {
					t.Errorf("%s: section %s has no price", e.Name, s.Name)
				}
			}
			if len(e.Prices) != onSale || onSale != len(e.Sections) {
				t.Errorf("%s: %d prices for %d sections on sale (%v)", e.Name, len(e.Prices), onSale, e.Sections)
			}
			if e.Category != "movie" && onSale != len(v.Sections) {
				t.Errorf("%s: %d of %d sections on sale; only a showtime is on part of its venue", e.Name, onSale, len(v.Sections))
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
			want := 0
			for _, sec := range venues[e.VenueID].Sections {
				if slices.Contains(e.Sections, sec.Name) {
					want += sec.Capacity
				}
			}
			if *e.Available != want {
				t.Errorf("%s: %d available of %d", e.Name, *e.Available, want)
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
		want := []string{"AMC Lincoln Square 13", "Barclays Center", "MetLife Stadium"}
		if !slices.Equal(names, want) {
			t.Errorf("venues within 30 km of Midtown, nearest first: %q, want %q", names, want)
		}
	})
}
