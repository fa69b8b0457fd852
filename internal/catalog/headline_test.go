package catalog_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

var t0 = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

func ev(id, name, cat string, inHours, capacity int) catalog.Event {
	return catalog.Event{ID: id, Name: name, Category: cat, StartsAt: t0.Add(time.Duration(inHours) * time.Hour),
		Venue: &catalog.Venue{ID: "ven_" + id, Capacity: capacity, City: "Town " + id[:1], Region: "ST"}}
}

func bandSummary(bs []catalog.Band) string {
	s := ""
	for _, b := range bs {
		s += b.Category + ":"
		for _, c := range b.Cards {
			s += fmt.Sprintf(" %s×%d", c.Next.ID, c.Count)
		}
		if b.More {
			s += " +more"
		}
		s += "; "
	}
	return s
}

func TestHeadlinesGroupAndRank(t *testing.T) {
	events := []catalog.Event{
		// Films come first in time, but a band of films follows the headline bands.
		ev("m1", "The Last Lighthouse", "movie", 1, 200),
		ev("m2", "Orbit of Ash", "movie", 2, 220),
		ev("m3", "The Last Lighthouse", "movie", 3, 180),
		ev("m4", "the last  lighthouse", "movie", 5, 200), // the same title, spelled loosely
		ev("m5", "Paper Kites", "movie", 4, 150),
		// A small game sooner, the stadium game later: the stadium leads.
		ev("s1", "Minor League Night", "sports", 2, 5000),
		ev("s2", "New York Jets vs. Houston Texans", "sports", 190, 82500),
		ev("s3", "New York Giants vs. Dallas Cowboys", "sports", 360, 82500),
		ev("c1", "Aurora Vale", "concert", 500, 18000),
		ev("o1", "Mystery", "poetry", 10, 50), // an unknown category is "other"
		ev("f1", "Puppets", "family", 30, 400),
	}
	got := catalog.Headlines(events, 2)
	want := "sports: s2×1 s3×1 +more; concert: c1×1; family: f1×1; movie: m2×1 m1×3 +more; other: o1×1; "
	if s := bandSummary(got); s != want {
		t.Errorf("bands\n got %s\nwant %s", s, want)
	}
	// The film card is the title's soonest showtime and counts all three.
	movie := got[3]
	if c := movie.Cards[1]; c.Next.ID != "m1" || c.Count != 3 || c.Capacity != 200 || fmt.Sprint(c.Cities) != "[Town m, ST]" {
		t.Errorf("The Last Lighthouse card = %+v", c)
	}
	if all := catalog.Headlines(events, 10); bandSummary(all) != "sports: s2×1 s3×1 s1×1; concert: c1×1; family: f1×1; movie: m2×1 m1×3 m5×1; other: o1×1; " {
		t.Errorf("perBand 10: %s", bandSummary(all))
	}
	if got := catalog.Headlines(nil, 4); len(got) != 0 {
		t.Errorf("no events: %s", bandSummary(got))
	}
}

func TestHeadlinesTiesAreStable(t *testing.T) {
	events := []catalog.Event{ev("b", "Beta", "comedy", 5, 100), ev("a", "Alpha", "comedy", 5, 100), ev("c", "Gamma", "comedy", 4, 100)}
	for i := 0; i < 5; i++ {
		if s := bandSummary(catalog.Headlines(events, 5)); s != "comedy: c×1 a×1 b×1; " {
			t.Fatalf("ties: %s", s)
		}
		events[0], events[2] = events[2], events[0]
	}
}

// TestServiceHeadlines runs the home page's query on a real SQLite file:
// started events stay out, and every category is read.
func TestServiceHeadlines(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cat, clk := newCatalog(t, t0)
	admin := account.User{Role: account.RoleAdmin}
	lat, lon := 40.0, -74.0
	venue := func(name string, seats int) catalog.Venue {
		v, err := cat.CreateVenue(ctx, admin, catalog.VenueInput{Name: name, Lat: &lat, Lon: &lon,
			Sections: []catalog.SectionInput{{Name: "A", Rows: []catalog.Row{{Name: "1", Seats: seats}}}}})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	big, small := venue("Stadium", 400), venue("Screen 1", 20)
	onsale := t0.Add(-time.Hour)
	mk := func(v catalog.Venue, name, category string, in time.Duration) catalog.Event {
		starts := t0.Add(in)
		e, err := cat.CreateEvent(ctx, admin, catalog.EventInput{VenueID: v.ID, Name: name, Category: category, StartsAt: &starts, OnsaleAt: &onsale,
			Prices: []catalog.Price{{Section: "A", PriceCents: 1000}}})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	for h := 1; h <= 6; h++ {
		mk(small, "Film", "movie", time.Duration(h)*time.Hour)
	}
	mk(small, "Local Derby", "sports", 2*time.Hour)
	game := mk(big, "Big Game", "sports", 48*time.Hour)
	mk(big, "Band", "concert", 72*time.Hour)
	clk.Advance(90 * time.Minute) // the first showtime has started
	bands, err := cat.Headlines(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(bands) != 3 || bands[0].Category != "sports" || bands[1].Category != "concert" || bands[2].Category != "movie" {
		t.Fatalf("bands %s", bandSummary(bands))
	}
	if c := bands[0].Cards[0]; c.Next.ID != game.ID || c.Capacity != 400 {
		t.Errorf("sports leads with %+v, want the big game", c.Next.Name)
	}
	if cs := bands[2].Cards; len(cs) != 1 || cs[0].Count != 5 || !cs[0].Next.StartsAt.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("film card %+v", cs)
	}
}

func TestHeadlinesCities(t *testing.T) {
	at := func(id, city, region string, in int) catalog.Event {
		e := ev(id, "Orbit of Ash", "movie", in, 200)
		e.Venue.City, e.Venue.Region = city, region
		return e
	}
	bs := catalog.Headlines([]catalog.Event{at("a", "New York", "NY", 1), at("b", "Chicago", "IL", 2), at("c", "New York", "NY", 3), at("d", "Paris", "", 4)}, 3)
	if len(bs) != 1 || len(bs[0].Cards) != 1 || fmt.Sprint(bs[0].Cards[0].Cities) != "[New York, NY Chicago, IL Paris]" {
		t.Errorf("cities: %+v", bs)
	}
}
