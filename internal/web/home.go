package web

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

// nearRadiusKm is how far "near me" looks.
const nearRadiusKm = 80

// listPage is how many events a category or search page lists at once.
const listPage = 20

// bandCards is how many titles each category band of the home page shows.
const bandCards = 4

type homeData struct {
	Q, Category, Date, City, Near string
	Categories                    []string
	Events                        []catalog.Event
	// Bands are the home page without a query: categories of headline cards.
	Bands []homeBand
	// Paging of Events: the page number and the links either way ("" when
	// there is no such page).
	Page             int
	NextURL, PrevURL string
	// Nearby is set in "near me" mode: venues nearest first, with their next events.
	Nearby   []nearbyVenue
	NearMode bool
	Where    string
	// Others are the other places of an ambiguous city name, most populous first.
	Others []placeLink
	// Gazetteer is set when the city was found there, which the page credits.
	Gazetteer bool
	// Nearest is the closest venue when none is within nearRadiusKm.
	Nearest   *catalog.Venue
	NearestKm int
	// CategoryLabel heads a category's full list ("Sports").
	CategoryLabel string
}

type homeBand struct {
	Category, Label, MoreURL, MoreLabel string
	Cards                               []homeCard
}

// homeCard is a catalog.Card with its words: one event links to itself, a
// title with several dates to the search for it.
type homeCard struct {
	catalog.Card
	URL, Count, When string
	// Cities lists where a title plays when that is more than one city.
	CityList string
}

type placeLink struct{ Label, URL string }

type nearbyVenue struct {
	Venue  catalog.Venue
	Events []catalog.Event
}

// categoryLabels are the bands' headings, plural as a shop's aisles are.
var categoryLabels = map[string]string{"sports": "Sports", "concert": "Concerts", "theatre": "Theatre", "comedy": "Comedy",
	"family": "Family", "movie": "Movies", "other": "Other"}

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := homeData{Q: strings.TrimSpace(q.Get("q")), Category: q.Get("category"), Date: q.Get("date"),
		City: strings.TrimSpace(q.Get("city")), Near: q.Get("near"), Categories: catalog.Categories}
	v := view{Title: "Find events", Scripts: []string{"home.js"}, Data: &d}
	if d.Near != "" || d.City != "" {
		d.NearMode = true
		if err := s.nearby(r, &d); err != nil {
			_, v.Error = message(err)
		}
		s.render(w, r, http.StatusOK, "home", v)
		return nil
	}
	if d.Category != "" && !slices.Contains(catalog.Categories, d.Category) {
		d.Category = ""
	}
	d.CategoryLabel = categoryLabels[d.Category]
	if d.Q == "" && d.Category == "" && d.Date == "" {
		bands, err := s.Catalog.Headlines(r.Context(), bandCards)
		if err != nil {
			return err
		}
		d.Bands = s.homeBands(bands)
		s.render(w, r, http.StatusOK, "home", v)
		return nil
	}
	search := catalog.EventSearch{Text: d.Q, Category: d.Category, Limit: listPage, Cursor: q.Get("cursor")}
	if d.Date != "" {
		day, err := time.Parse("2006-01-02", d.Date)
		if err != nil {
			v.Error = "Please give the date as YYYY-MM-DD."
		} else {
			// A whole calendar day, wide enough for every time zone's evening.
			search.From, search.To = day.Add(-12*time.Hour), day.Add(36*time.Hour)
			if now := s.Clock.Now(); search.From.Before(now) {
				search.From = now
			}
		}
	}
	// back holds the cursors of the pages before this one (the first
	// page has none), so "Previous" needs no server state.
	var back []string
	if search.Cursor != "" {
		if b := q.Get("back"); b != "" {
			back = strings.Split(b, ".")
		}
	}
	es, next, err := s.Catalog.Events(r.Context(), search)
	if apperr.Is(err, apperr.Invalid) && search.Cursor != "" {
		// A stale or mangled page link: say so and start at the top.
		v.Error = "That page link is no longer valid, so this is the first page."
		search.Cursor, back = "", nil
		es, next, err = s.Catalog.Events(r.Context(), search)
	}
	if err != nil {
		return err
	}
	if d.Date != "" && v.Error == "" {
		es = onLocalDay(es, d.Date)
	}
	d.Events = es
	d.Page = 1
	if search.Cursor != "" {
		d.Page = len(back) + 2
	}
	base := url.Values{}
	for k, val := range map[string]string{"q": d.Q, "category": d.Category, "date": d.Date} {
		if val != "" {
			base.Set(k, val)
		}
	}
	pageURL := func(cursor string, back []string) string {
		u := url.Values{}
		for k, val := range base {
			u[k] = val
		}
		if cursor != "" {
			u.Set("cursor", cursor)
			if len(back) > 0 {
				u.Set("back", strings.Join(back, "."))
			}
		}
		return "/?" + u.Encode()
	}
	if next != "" {
		trail := back
		if search.Cursor != "" {
			trail = append(append([]string(nil), back...), search.Cursor)
		}
		d.NextURL = pageURL(next, trail)
	}
	if search.Cursor != "" {
		prev, rest := "", []string(nil)
		if len(back) > 0 {
			prev, rest = back[len(back)-1], back[:len(back)-1]
		}
		d.PrevURL = pageURL(prev, rest)
	}
	s.render(w, r, http.StatusOK, "home", v)
	return nil
}

// homeBands puts words on the catalog's bands.
func (s *Server) homeBands(bands []catalog.Band) []homeBand {
	now := s.Clock.Now()
	out := make([]homeBand, 0, len(bands))
	for _, b := range bands {
		label := categoryLabels[b.Category]
		hb := homeBand{Category: b.Category, Label: label, MoreURL: "/?category=" + url.QueryEscape(b.Category),
			MoreLabel: "More " + strings.ToLower(label)}
		for _, c := range b.Cards {
			tz := ""
			if c.Next.Venue != nil {
				tz = c.Next.Venue.Timezone
			}
			hc := homeCard{Card: c, URL: "/events/" + c.Next.ID, When: relativeWhen(c.Next.StartsAt, now, tz)}
			if c.Count > 1 {
				noun := "dates"
				if b.Category == "movie" {
					noun = "showtimes"
				}
				hc.Count = fmt.Sprintf("%d %s", c.Count, noun)
				hc.When = "next " + hc.When
				hc.URL = "/?" + url.Values{"q": {c.Next.Name}, "category": {b.Category}}.Encode()
				if len(c.Cities) > 1 {
					hc.CityList = strings.Join(c.Cities, " · ")
				}
			}
			hb.Cards = append(hb.Cards, hc)
		}
		out = append(out, hb)
	}
	return out
}

// relativeWhen says when t is in the venue's time zone, as "today 7:30 PM",
// "tomorrow 1:00 PM" or "Sat, Dec 12 · 1:00 PM".
func relativeWhen(t, now time.Time, tz string) string {
	lt, ln := catalog.InZone(t, tz), catalog.InZone(now, tz)
	day := func(x time.Time) time.Time { y, m, d := x.Date(); return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	switch day(lt).Sub(day(ln)) {
	case 0:
		return "today " + lt.Format("3:04 PM")
	case 24 * time.Hour:
		return "tomorrow " + lt.Format("3:04 PM")
	}
	if lt.Year() != ln.Year() {
		return lt.Format("Mon, Jan 2, 2006 · 3:04 PM")
	}
	return lt.Format("Mon, Jan 2 · 3:04 PM")
}

// onLocalDay keeps the events that happen on day in their venue's time zone.
func onLocalDay(es []catalog.Event, day string) []catalog.Event {
	out := es[:0]
	for _, e := range es {
		tz := ""
		if e.Venue != nil {
			tz = e.Venue.Timezone
		}
		if catalog.InZone(e.StartsAt, tz).Format("2006-01-02") == day {
			out = append(out, e)
		}
	}
	return out
}

// nearby fills d with venues near the browser's location or a typed city,
// nearest first, each with its next few events. A typed city is looked up
// in the gazetteer, so towns without a venue work; a name no town has may
// still be a venue's city.
func (s *Server) nearby(r *http.Request, d *homeData) error {
	ctx := r.Context()
	var at catalog.Point
	var vs []catalog.Venue
	switch {
	case d.Near != "":
		lat, lon, ok := parseLatLon(d.Near)
		if !ok {
			return fmt.Errorf("bad near %q: %w", d.Near, errBadLocation)
		}
		at, d.Where = catalog.Point{Lat: lat, Lon: lon}, "you"
	default:
		places := s.Places.Lookup(d.City)
		if len(places) == 0 {
			byCity, err := s.Catalog.Venues(ctx, d.City, nil, 0)
			if err != nil {
				return err
			}
			if len(byCity) == 0 {
				return errUnknownCity(d.City)
			}
			at, d.Where = catalog.Point{Lat: byCity[0].Lat, Lon: byCity[0].Lon}, d.City
			break
		}
		// Of several places by that name, the most populous one that has
		// venues nearby is meant ("Pasadena" is the Californian one on a
		// site with a Los Angeles cinema); the others are offered.
		pick := 0
		for i, p := range places {
			if i == 5 {
				break
			}
			near, err := s.Catalog.Venues(ctx, "", &catalog.Point{Lat: p.Lat, Lon: p.Lon}, nearRadiusKm)
			if err != nil {
				return err
			}
			if len(near) > 0 {
				pick, vs = i, near
				break
			}
		}
		p := places[pick]
		at, d.Where, d.Gazetteer = catalog.Point{Lat: p.Lat, Lon: p.Lon}, p.Label(), true
		for i, o := range places {
			if i != pick && len(d.Others) < 6 {
				d.Others = append(d.Others, placeLink{Label: o.Label(), URL: "/?" + url.Values{"city": {o.Label()}}.Encode()})
			}
		}
	}
	if vs == nil {
		var err error
		if vs, err = s.Catalog.Venues(ctx, "", &at, nearRadiusKm); err != nil {
			return err
		}
	}
	if len(vs) == 0 {
		// Every venue within half the Earth's circumference: the nearest.
		all, err := s.Catalog.Venues(ctx, "", &at, 20_000)
		if err != nil {
			return err
		}
		if len(all) > 0 {
			d.Nearest = &all[0]
			d.NearestKm = int(math.Round(*all[0].DistanceKm))
		}
		return nil
	}
	for i, v := range vs {
		if i == 20 {
			break
		}
		es, err := s.Catalog.VenueEvents(ctx, v.ID, 4)
		if err != nil {
			return err
		}
		d.Nearby = append(d.Nearby, nearbyVenue{Venue: v, Events: es})
	}
	return nil
}

func parseLatLon(s string) (float64, float64, bool) {
	a, b, ok := strings.Cut(s, ",")
	if !ok {
		return 0, 0, false
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return 0, 0, false
	}
	return lat, lon, true
}
