package catalog

import (
	"context"
	"slices"
	"sort"
	"strings"
)

// HeadlineOrder is the order of the home page's category bands: the
// headline categories first, films (many small showtimes) after them.
var HeadlineOrder = []string{"sports", "concert", "theatre", "comedy", "family", "movie", "other"}

// headlineScan bounds how many of a category's soonest events the home page
// ranks, so a catalog of many thousand showtimes costs one bounded query per
// category.
const headlineScan = 500

// Band is one category's row of headline cards.
type Band struct {
	Category string
	Cards    []Card
	// More is set when the category has more titles than Cards shows.
	More bool
}

// Card is one title on the home page: a single event, or every upcoming
// event of the same name in the category (a film's showtimes, a show's
// run), shown once.
type Card struct {
	// Next is the title's soonest event.
	Next Event
	// Count is how many upcoming events the title has (of those scanned).
	Count int
	// Capacity is the largest venue the title plays: the size that ranks it.
	Capacity int
	// Cities are where the title plays ("Chicago, IL"), in the order of
	// their first events.
	Cities []string
}

// Headlines groups upcoming events into bands in HeadlineOrder, one card
// per title, and ranks each band's cards biggest venue first, then
// soonest, then by name, keeping perBand of them. Events of unknown
// categories go into "other"; categories without events have no band.
func Headlines(events []Event, perBand int) []Band {
	type key struct{ cat, title string }
	cards := map[key]*Card{}
	byCat := map[string][]*Card{}
	for _, e := range events {
		cat := e.Category
		if !slices.Contains(HeadlineOrder, cat) {
			cat = "other"
		}
		k := key{cat, strings.ToLower(strings.Join(strings.Fields(e.Name), " "))}
		c := cards[k]
		if c == nil {
			c = &Card{Next: e}
			cards[k] = c
			byCat[cat] = append(byCat[cat], c)
		}
		c.Count++
		if e.StartsAt.Before(c.Next.StartsAt) || (e.StartsAt.Equal(c.Next.StartsAt) && e.ID < c.Next.ID) {
			c.Next = e
		}
		if e.Venue != nil {
			c.Capacity = max(c.Capacity, e.Venue.Capacity)
			if city := cityOf(*e.Venue); city != "" && !slices.Contains(c.Cities, city) {
				c.Cities = append(c.Cities, city)
			}
		}
	}
	var out []Band
	for _, cat := range HeadlineOrder {
		cs := byCat[cat]
		if len(cs) == 0 {
			continue
		}
		sort.Slice(cs, func(i, j int) bool {
			a, b := cs[i], cs[j]
			if a.Capacity != b.Capacity {
				return a.Capacity > b.Capacity
			}
			if !a.Next.StartsAt.Equal(b.Next.StartsAt) {
				return a.Next.StartsAt.Before(b.Next.StartsAt)
			}
			if a.Next.Name != b.Next.Name {
				return a.Next.Name < b.Next.Name
			}
			return a.Next.ID < b.Next.ID
		})
		b := Band{Category: cat}
		for i, c := range cs {
			if i == perBand {
				b.More = true
				break
			}
			b.Cards = append(b.Cards, *c)
		}
		out = append(out, b)
	}
	return out
}

func cityOf(v Venue) string {
	if v.City != "" && v.Region != "" {
		return v.City + ", " + v.Region
	}
	return v.City
}

// Headlines is the home page without a query: each category's soonest
// events (up to a bound), grouped and ranked by Headlines.
func (s *Service) Headlines(ctx context.Context, perBand int) ([]Band, error) {
	now := s.clock.Now()
	var all []Event
	for _, cat := range Categories {
		es, err := s.store.Events(ctx, EventQuery{Category: cat, From: now, Limit: headlineScan})
		if err != nil {
			return nil, err
		}
		all = append(all, es...)
	}
	return Headlines(all, perBand), nil
}
