package demo

import (
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/internal/catalog"
)

// A cinema is one venue whose sections are its screens ("Screen 1",
// "Screen 2", ...), and every showtime is an event on one screen
// (EventInput.Sections): "what's on at this cinema" is one
// catalog.Service.VenueEvents, and each showtime sells its screen's seats
// alone.

// screenName names screen si (0-based) of a cinema, as its section.
func screenName(si int) string { return fmt.Sprintf("Screen %d", si+1) }

// showDays is how many days of showtimes each cinema gets: a week.
const showDays = 7

type film struct {
	title, genre, rating, logline string
	minutes                       int
}

// films are invented titles, so the demo borrows no one's trademark.
func films() []film {
	return []film{
		{"The Last Lighthouse", "Drama", "PG-13", "A keeper, a storm and the last night before the light goes automatic.", 118},
		{"Orbit of Ash", "Science fiction", "PG-13", "A salvage crew finds a ship that left Earth before they were born.", 131},
		{"Paper Kites", "Family comedy", "PG", "Three cousins, one summer and a kite festival nobody asked them to win.", 96},
		{"The Juniper Diner", "Thriller", "R", "Every regular at the all-night diner is lying about one thing.", 104},
	}
}

type showtime struct{ hour, minute int }

type screen struct {
	rows, seats int   // rows "A".. with seats + index/4 seats, front to back
	films       []int // indexes into films(); alternate across the day's shows
	times       []showtime
}

type cinema struct {
	name, address, city, region, tz string
	lat, lon                        float64
	matinee, evening                int64 // price before and from 17:00 local
	screens                         []screen
}

func cinemaList() []cinema {
	// Two daily timetables, local time: four shows, or three with longer gaps.
	fourShows := []showtime{{13, 0}, {16, 15}, {19, 30}, {22, 0}}
	threeShows := []showtime{{14, 0}, {18, 30}, {21, 15}}
	return []cinema{
		{name: "AMC Lincoln Square 13", address: "1998 Broadway", city: "New York", region: "NY", tz: "America/New_York",
			lat: 40.7775, lon: -73.9817, matinee: 1700, evening: 1900, screens: []screen{
				{rows: 12, seats: 16, films: []int{1}, times: fourShows},
				{rows: 10, seats: 14, films: []int{0, 2}, times: fourShows},
				{rows: 8, seats: 12, films: []int{3, 1}, times: threeShows}, // the science-fiction hit on two screens
			}},
		{name: "Alamo Drafthouse Downtown LA", address: "700 W 7th St", city: "Los Angeles", region: "CA", tz: "America/Los_Angeles",
			lat: 34.0469, lon: -118.2550, matinee: 1600, evening: 1800, screens: []screen{
				{rows: 12, seats: 18, films: []int{1, 3}, times: fourShows},
				{rows: 10, seats: 14, films: []int{2}, times: threeShows},
				{rows: 9, seats: 12, films: []int{0}, times: threeShows},
			}},
		{name: "Music Box Theatre", address: "3733 N Southport Ave", city: "Chicago", region: "IL", tz: "America/Chicago",
			lat: 41.9463, lon: -87.6641, matinee: 1500, evening: 1700, screens: []screen{
				{rows: 12, seats: 17, films: []int{0, 1}, times: fourShows},
				{rows: 8, seats: 12, films: []int{3, 2}, times: threeShows},
			}},
	}
}

func (s screen) seatRows() []catalog.Row {
	rows := make([]catalog.Row, s.rows)
	for i := range rows {
		rows[i] = catalog.Row{Name: string(rune('A' + i)), Seats: min(s.seats+i/4, 20)}
	}
	return rows
}

// cinemas builds every cinema, its screens as sections, with a week of
// showtimes, each on one screen.
func cinemas(now time.Time) ([]venuePlan, error) {
	var out []venuePlan
	fs := films()
	for ci, c := range cinemaList() {
		loc, err := location(c.tz)
		if err != nil {
			return nil, err
		}
		vp := venuePlan{venue: catalog.VenueInput{Name: c.name, Address: c.address,
			City: c.city, Region: c.region, Country: "US", Lat: ptr(c.lat), Lon: ptr(c.lon), Timezone: c.tz}}
		for si, s := range c.screens {
			vp.venue.Sections = append(vp.venue.Sections, catalog.SectionInput{Name: screenName(si), Rows: s.seatRows()})
		}
		// A week starting today, local time; a day whose shows are all past
		// (late at night) does not count, so there are always seven days.
		for day, days := 0, 0; days < showDays; day++ {
			shown := false
			for si, s := range c.screens {
				for k, tm := range s.times {
					starts := at(now, loc, day, tm.hour, tm.minute)
					if !starts.After(now) {
						continue
					}
					f := fs[s.films[(k+day)%len(s.films)]]
					price := c.matinee
					if tm.hour >= 17 {
						price = c.evening
					}
					e := catalog.EventInput{Name: f.title, Category: "movie",
						Description: fmt.Sprintf("%s · %d min · Rated %s. %s", f.genre, f.minutes, f.rating, f.logline),
						StartsAt:    ptr(starts), OnsaleAt: ptr(now.Add(-24 * time.Hour)), MaxTicketsPerUser: ptr(10), Currency: "USD",
						Sections:        []string{screenName(si)},
						Prices:          []catalog.Price{{Section: screenName(si), PriceCents: price}},
						ServiceFeeCents: 150,
						AddOns:          []catalog.AddOnInput{{Name: "Popcorn and a drink", PriceCents: 1250, MaxPerOrder: 10}}}
					ep := eventPlan{event: e}
					if ci == 0 && si == 0 && !highlighted(vp.events) {
						ep.highlight = fmt.Sprintf("%s (%s, %s, %s)", f.title, c.name, screenName(si), localLabel(starts, loc))
					}
					vp.events = append(vp.events, ep)
					shown = true
				}
			}
			if shown {
				days++
			}
		}
		out = append(out, vp)
	}
	return out, nil
}

func highlighted(es []eventPlan) bool {
	for _, e := range es {
		if e.highlight != "" {
			return true
		}
	}
	return false
}
