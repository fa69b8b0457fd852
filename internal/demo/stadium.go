package demo

import (
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/boxoffice/boxoffice/internal/catalog"
)

// tier is one ring of numbered sections in a bowl.
type tier struct {
	first, count int       // sections first .. first+count-1
	mid1, mid2   float64   // offsets from first of the two sidelines' centres
	rows, seats  int       // rows "1".."rows"; row r has seats + r/2 seats
	rx, ry       float64   // the ring's radii on the map
	sidelines    [2][2]int // the sections along each sideline, first..last
}

func (t tier) onSideline(n int) bool {
	for _, r := range t.sidelines {
		if n >= r[0] && n <= r[1] {
			return true
		}
	}
	return false
}

// bowlSection is one reserved section of a bowl and where it sits.
type bowlSection struct {
	tier     int // 0 is the lowest ring
	name     string
	x, y     float64
	sideline bool
	endness  float64 // 0 at a sideline's centre, 1 behind an end zone
	rows     []catalog.Row
}

// bowl lays tiers of sections out best first, because section order is part
// of catalog.SeatScore: the lowest ring first; within a ring the sideline
// sections, then the rest, each nearest a sideline's centre first.
func bowl(tiers []tier) []bowlSection {
	var out []bowlSection
	for ti, t := range tiers {
		ring := make([]bowlSection, 0, t.count)
		for i := range t.count {
			x, y, e := ringPosition(i, t.count, t.mid1, t.mid2, t.rx, t.ry)
			e = math.Round(e*1e6) / 1e6 // mirror-image sections tie, then go by number
			ring = append(ring, bowlSection{tier: ti, name: strconv.Itoa(t.first + i), x: x, y: y,
				sideline: t.onSideline(t.first + i), endness: e, rows: rowsGrowing(t.rows, t.seats)})
		}
		sort.SliceStable(ring, func(a, b int) bool {
			if ring[a].sideline != ring[b].sideline {
				return ring[a].sideline
			}
			return ring[a].endness < ring[b].endness
		})
		out = append(out, ring...)
	}
	return out
}

func (b bowlSection) input() catalog.SectionInput {
	return catalog.SectionInput{Name: b.name, Rows: b.rows, X: ptr(b.x), Y: ptr(b.y)}
}

// bowlPrices prices each section within its tier's band [lo, hi]: midfield
// at hi, behind the goal at lo, and a sideline seat dearer than any other.
func bowlPrices(secs []bowlSection, bands [][2]int64) []catalog.Price {
	out := make([]catalog.Price, 0, len(secs))
	for _, s := range secs {
		b := bands[s.tier]
		out = append(out, catalog.Price{Section: s.name, PriceCents: priceFor(b[0], b[1], s.endness, s.sideline)})
	}
	return out
}

// metLifeTiers is a bowl shaped like MetLife Stadium's: the 100 level
// (101–149, sidelines 111–115 and 137–142), the 200 mezzanine (201–250) and
// the 300 upper level (301–349). It holds 80,879 seats.
func metLifeTiers() []tier {
	return []tier{
		{first: 101, count: 49, mid1: 12, mid2: 38.5, rows: 30, seats: 18, rx: 190, ry: 125,
			sidelines: [2][2]int{{111, 115}, {137, 142}}},
		{first: 201, count: 50, mid1: 12.5, mid2: 39.5, rows: 10, seats: 20, rx: 270, ry: 195,
			sidelines: [2][2]int{{211, 216}, {238, 243}}},
		{first: 301, count: 49, mid1: 12, mid2: 38.5, rows: 25, seats: 20, rx: 370, ry: 280,
			sidelines: [2][2]int{{311, 315}, {337, 342}}},
	}
}

// stadium is MetLife Stadium with two football games on sale and a concert
// whose sale has not opened yet.
func stadium(now time.Time) (venuePlan, error) {
	const tz = "America/New_York"
	loc, err := location(tz)
	if err != nil {
		return venuePlan{}, err
	}
	secs := bowl(metLifeTiers())
	v := catalog.VenueInput{Name: "MetLife Stadium", Address: "1 MetLife Stadium Dr", City: "East Rutherford", Region: "NJ",
		Country: "US", Lat: ptr(40.8135), Lon: ptr(-74.0745), Timezone: tz}
	for _, s := range secs {
		v.Sections = append(v.Sections, s.input())
	}
	parking := func() []catalog.AddOnInput {
		return []catalog.AddOnInput{{Name: "Gold Parking", PriceCents: 7500, MaxPerOrder: 1}}
	}
	game := func(name, desc string, starts time.Time, bands [][2]int64) catalog.EventInput {
		return catalog.EventInput{Name: name, Category: "sports", Description: desc,
			StartsAt: ptr(starts), OnsaleAt: ptr(at(now, loc, -1, 10, 0)), MaxTicketsPerUser: ptr(8), Currency: "USD",
			Prices: bowlPrices(secs, bands), ServiceFeeCents: 475, OrderFeeCents: 395, AddOns: parking()}
	}
	jets := game("New York Jets vs. Houston Texans",
		"Regular-season football at MetLife Stadium. Gates open two hours before kick-off; bags must be clear and no larger than 12 × 6 × 12 inches.",
		at(now, loc, 8, 13, 0), [][2]int64{{15000, 25000}, {9500, 14000}, {2500, 7000}})
	giants := game("New York Giants vs. Dallas Cowboys",
		"The late-afternoon rivalry game at MetLife Stadium. Gates open two hours before kick-off.",
		at(now, loc, 15, 16, 25), [][2]int64{{17500, 29500}, {11000, 16500}, {3500, 8500}})
	concertOnsale := at(now, loc, 3, 10, 0)
	concert := catalog.EventInput{Name: "Northbound Static: The Long Way Home Tour", Category: "concert",
		Description: "The stadium leg of the tour, with two support acts. Doors at 5:30 PM. Tickets go on sale at 10 AM Eastern.",
		StartsAt:    ptr(at(now, loc, 40, 19, 30)), OnsaleAt: ptr(concertOnsale), MaxTicketsPerUser: ptr(6), Currency: "USD",
		Prices:          bowlPrices(secs, [][2]int64{{12500, 19500}, {8500, 12500}, {4500, 8000}}),
		ServiceFeeCents: 850, OrderFeeCents: 395,
		AddOns: []catalog.AddOnInput{{Name: "Gold Parking", PriceCents: 7500, MaxPerOrder: 1},
			{Name: "Tour Poster", PriceCents: 3500, MaxPerOrder: 2}}}
	where := func(e catalog.EventInput) string {
		return e.Name + " (MetLife Stadium, " + localLabel(*e.StartsAt, loc) + ")"
	}
	return venuePlan{venue: v, role: roleStadium, events: []eventPlan{
		{event: jets, highlight: where(jets)},
		{event: giants},
		{event: concert, highlight: where(concert) + ", not on sale until " + localLabel(concertOnsale, loc)},
	}}, nil
}
