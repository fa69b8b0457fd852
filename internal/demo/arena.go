package demo

import (
	"time"

	"github.com/boxoffice/boxoffice/internal/catalog"
)

// arenaFloor is the arena's general-admission floor.
const arenaFloor = "Floor"

// barclaysTiers is an arena bowl: a lower bowl of sections 1–24 and an upper
// bowl of 201–230, 14,256 reserved seats in all.
func barclaysTiers() []tier {
	return []tier{
		{first: 1, count: 24, mid1: 3.5, mid2: 15.5, rows: 18, seats: 16, rx: 230, ry: 170,
			sidelines: [2][2]int{{3, 6}, {15, 18}}},
		{first: 201, count: 30, mid1: 4.5, mid2: 19.5, rows: 12, seats: 12, rx: 340, ry: 260,
			sidelines: [2][2]int{{204, 207}, {219, 222}}},
	}
}

// arena is Barclays Center set up for concerts: a standing floor of 4,000
// in front of the stage, listed first because it is the best (and dearest)
// place to be, then the reserved tiers.
func arena(now time.Time) (venuePlan, error) {
	const tz = "America/New_York"
	loc, err := location(tz)
	if err != nil {
		return venuePlan{}, err
	}
	secs := bowl(barclaysTiers())
	v := catalog.VenueInput{Name: "Barclays Center", Address: "620 Atlantic Ave", City: "Brooklyn", Region: "NY",
		Country: "US", Lat: ptr(40.6826), Lon: ptr(-73.9754), Timezone: tz,
		Sections: []catalog.SectionInput{{Name: arenaFloor, GeneralAdmission: true, Capacity: 4000, X: ptr(500.0), Y: ptr(500.0)}}}
	for _, s := range secs {
		v.Sections = append(v.Sections, s.input())
	}
	prices := func(floor int64, bands [][2]int64) []catalog.Price {
		return append([]catalog.Price{{Section: arenaFloor, PriceCents: floor}}, bowlPrices(secs, bands)...)
	}
	onsale := at(now, loc, -1, 10, 0)
	concert := catalog.EventInput{Name: "Aurora Vale: Glass Horizon Tour", Category: "concert",
		Description: "Synth-pop with a standing floor in front of the stage. Doors at 6:30 PM; the floor is general admission, first come first served.",
		StartsAt:    ptr(at(now, loc, 21, 20, 0)), OnsaleAt: ptr(onsale), MaxTicketsPerUser: ptr(6), Currency: "USD",
		Prices:          prices(18500, [][2]int64{{8900, 14900}, {3900, 7900}}),
		ServiceFeeCents: 725, OrderFeeCents: 395,
		AddOns: []catalog.AddOnInput{{Name: "Tour T-Shirt", PriceCents: 4000, MaxPerOrder: 4}}}
	comedy := catalog.EventInput{Name: "Dana Whitlock: Overthinking It", Category: "comedy",
		Description: "An evening of stand-up. Recommended for ages 16 and up. Doors at 7 PM.",
		StartsAt:    ptr(at(now, loc, 11, 19, 30)), OnsaleAt: ptr(onsale), MaxTicketsPerUser: ptr(8), Currency: "USD",
		Prices:          prices(8900, [][2]int64{{5500, 8500}, {2900, 4900}}),
		ServiceFeeCents: 550, OrderFeeCents: 295,
		// The demo's waiting room: on sale already, so a visitor joins at the
		// back and is let in within seconds at 600 a minute.
		Queue: &catalog.Queue{Enabled: true, AdmitPerMinute: 600}}
	return venuePlan{venue: v, role: roleArena, events: []eventPlan{
		{event: concert, highlight: concert.Name + " (Barclays Center, general-admission floor, " + localLabel(*concert.StartsAt, loc) + ")"},
		{event: comedy, highlight: comedy.Name + " (Barclays Center, through a waiting room, " + localLabel(*comedy.StartsAt, loc) + ")"},
	}}, nil
}
