package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/catalog"
)

// nearRadiusKm is how far "near me" looks.
const nearRadiusKm = 80

type homeData struct {
	Q, Category, Date, City, Near string
	Categories                    []string
	Events                        []catalog.Event
	// Nearby is set in "near me" mode: venues nearest first, with their next events.
	Nearby   []nearbyVenue
	NearMode bool
	Where    string
}

type nearbyVenue struct {
	Venue  catalog.Venue
	Events []catalog.Event
}

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
	search := catalog.EventSearch{Text: d.Q, Category: d.Category, Limit: 40}
	if d.Category != "" && !contains(catalog.Categories, d.Category) {
		d.Category, search.Category = "", ""
	}
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
	es, _, err := s.Catalog.Events(r.Context(), search)
	if err != nil {
		return err
	}
	if d.Date != "" && v.Error == "" {
		es = onLocalDay(es, d.Date)
	}
	d.Events = es
	s.render(w, r, http.StatusOK, "home", v)
	return nil
}

// onLocalDay keeps the events that happen on day in their venue's time zone.
func onLocalDay(es []catalog.Event, day string) []catalog.Event {
	out := es[:0]
	for _, e := range es {
		tz := ""
		if e.Venue != nil {
			tz = e.Venue.Timezone
		}
		if inZone(e.StartsAt, tz).Format("2006-01-02") == day {
			out = append(out, e)
		}
	}
	return out
}

// nearby fills d with venues near the browser's location or a typed city,
// nearest first, each with its next few events.
func (s *Server) nearby(r *http.Request, d *homeData) error {
	var at catalog.Point
	switch {
	case d.Near != "":
		lat, lon, ok := parseLatLon(d.Near)
		if !ok {
			return fmt.Errorf("bad near %q: %w", d.Near, errBadLocation)
		}
		at, d.Where = catalog.Point{Lat: lat, Lon: lon}, "you"
	default:
		vs, err := s.Catalog.Venues(r.Context(), d.City, nil, 0)
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			return errUnknownCity(d.City)
		}
		at, d.Where = catalog.Point{Lat: vs[0].Lat, Lon: vs[0].Lon}, d.City
	}
	vs, err := s.Catalog.Venues(r.Context(), "", &at, nearRadiusKm)
	if err != nil {
		return err
	}
	for i, v := range vs {
		if i == 20 {
			break
		}
		es, err := s.Catalog.VenueEvents(r.Context(), v.ID, 4)
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

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
