package web_test

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

// The test catalog is the demo in miniature, made through the catalog's own
// rules: a bowl with sections named like the demo stadium's (101–116 and
// 301–320, around a field) and two games there; an arena with a
// general-admission floor; a cinema of two screens whose film plays on
// both. About 4,000 seats, so a site starts in a second
// (and in seconds under -race, where the 80,879-seat demo takes minutes).
const (
	eventJets    = "Jets vs. Texans"
	eventGiants  = "Giants vs. Cowboys"
	eventConcert = "Aurora Vale: Glass Horizon"
	eventFilm    = "The Last Lighthouse"
)

func ring(first, n int, rx, ry float64, rows, seats int) []catalog.SectionInput {
	var out []catalog.SectionInput
	for i := range n {
		a := 2*math.Pi*float64(i)/float64(n) - math.Pi/2
		x, y := 500+rx*math.Cos(a), 500+ry*math.Sin(a)
		var rs []catalog.Row
		for r := range rows {
			rs = append(rs, catalog.Row{Name: strconv.Itoa(r + 1), Seats: seats + r/3})
		}
		out = append(out, catalog.SectionInput{Name: strconv.Itoa(first + i), Rows: rs, X: &x, Y: &y})
	}
	return out
}

func loadTestCatalog(ctx context.Context, cat *catalog.Service, admin account.User, now time.Time) (map[string]string, error) {
	f := func(v float64) *float64 { return &v }
	n := func(v int) *int { return &v }
	events := map[string]string{}
	bowl := catalog.VenueInput{Name: "Meadowlands Test Stadium", Address: "1 Test Dr", City: "East Rutherford", Region: "NJ", Country: "US",
		Lat: f(40.8135), Lon: f(-74.0745), Timezone: "America/New_York",
		Sections: append(ring(101, 16, 190, 125, 8, 10), ring(301, 20, 370, 280, 6, 12)...)}
	v, err := cat.CreateVenue(ctx, admin, bowl)
	if err != nil {
		return nil, fmt.Errorf("test stadium: %w", err)
	}
	var prices []catalog.Price
	for i, s := range v.Sections {
		p := int64(2500 + (i%8)*1000)
		if s.Name[0] == '1' {
			p += 12000
		}
		prices = append(prices, catalog.Price{Section: s.Name, PriceCents: p})
	}
	parking := []catalog.AddOnInput{{Name: "Gold Parking", PriceCents: 7500, MaxPerOrder: 1}}
	for i, name := range []string{eventJets, eventGiants} {
		starts, onsale := now.Add(time.Duration(8+7*i)*24*time.Hour), now.Add(-24*time.Hour)
		e, err := cat.CreateEvent(ctx, admin, catalog.EventInput{VenueID: v.ID, Name: name, Category: "sports",
			Description: "Regular-season football. Gates open two hours before kick-off.", StartsAt: &starts, OnsaleAt: &onsale,
			MaxTicketsPerUser: n(8), Prices: prices, ServiceFeeCents: 475, OrderFeeCents: 395, AddOns: parking})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		events[name] = e.ID
	}
	arena := catalog.VenueInput{Name: "Atlantic Test Arena", City: "Brooklyn", Region: "NY", Country: "US", Lat: f(40.6826), Lon: f(-73.9754),
		Timezone: "America/New_York", Sections: append([]catalog.SectionInput{{Name: "Floor", GeneralAdmission: true, Capacity: 400, X: f(500), Y: f(500)}},
			ring(201, 12, 260, 200, 5, 10)...)}
	a, err := cat.CreateVenue(ctx, admin, arena)
	if err != nil {
		return nil, fmt.Errorf("test arena: %w", err)
	}
	starts, onsale, price := now.Add(20*24*time.Hour), now.Add(-time.Hour), int64(6500)
	e, err := cat.CreateEvent(ctx, admin, catalog.EventInput{VenueID: a.ID, Name: eventConcert, Category: "concert", StartsAt: &starts,
		OnsaleAt: &onsale, MaxTicketsPerUser: n(6), DefaultPriceCents: &price, Prices: []catalog.Price{{Section: "Floor", PriceCents: 9900}},
		ServiceFeeCents: 850, OrderFeeCents: 395})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", eventConcert, err)
	}
	events[eventConcert] = e.ID
	cinema := catalog.VenueInput{Name: "Test Cinema", City: "New York", Region: "NY", Country: "US", Lat: f(40.7775), Lon: f(-73.9817),
		Timezone: "America/New_York", Sections: []catalog.SectionInput{
			{Name: "Screen 1", Rows: []catalog.Row{{Name: "A", Seats: 8}, {Name: "B", Seats: 8}}},
			{Name: "Screen 2", Rows: []catalog.Row{{Name: "A", Seats: 6}, {Name: "B", Seats: 6}, {Name: "C", Seats: 6}}},
		}}
	c, err := cat.CreateVenue(ctx, admin, cinema)
	if err != nil {
		return nil, fmt.Errorf("test cinema: %w", err)
	}
	// Two shows tomorrow (on screens 1 and 2), one the day after (screen 1).
	for i, show := range []struct {
		hours  int
		screen string
	}{{25, "Screen 1"}, {28, "Screen 2"}, {49, "Screen 1"}} {
		starts, onsale, price := now.Truncate(time.Hour).Add(time.Duration(show.hours)*time.Hour), now.Add(-time.Hour), int64(1700)
		e, err := cat.CreateEvent(ctx, admin, catalog.EventInput{VenueID: c.ID, Name: eventFilm, Category: "movie", StartsAt: &starts,
			OnsaleAt: &onsale, Sections: []string{show.screen}, DefaultPriceCents: &price})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", eventFilm, err)
		}
		events[fmt.Sprintf("%s #%d", eventFilm, i+1)] = e.ID
	}
	events["cinema"] = c.ID
	return events, nil
}
