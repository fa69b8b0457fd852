package web

import (
	"net/http"
	"time"

	"github.com/boxoffice/boxoffice/internal/catalog"
)

type venueData struct {
	Venue  catalog.Venue
	Events []catalog.Event
	// Films groups a week of showtimes by title, for a cinema screen (or
	// any venue where one title plays several times).
	Films []filmTimes
}

type filmTimes struct {
	Title       string
	Category    string
	Description string
	Days        []dayTimes
}

type dayTimes struct {
	Day   string
	Shows []catalog.Event
}

func (s *Server) venuePage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Catalog.Venue(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	es, err := s.Catalog.VenueEvents(r.Context(), v.ID, 200)
	if err != nil {
		return err
	}
	d := venueData{Venue: v, Events: es, Films: byTitle(es, v.Timezone, s.Clock.Now().Add(7*24*time.Hour))}
	s.render(w, r, http.StatusOK, "venue", view{Title: v.Name, Data: d})
	return nil
}

// byTitle groups the events before until by title and local day, when
// some title plays more than once; otherwise it returns nil.
func byTitle(es []catalog.Event, tz string, until time.Time) []filmTimes {
	count := map[string]int{}
	for _, e := range es {
		count[e.Name]++
	}
	repeated := false
	for _, n := range count {
		repeated = repeated || n > 1
	}
	if !repeated {
		return nil
	}
	var films []filmTimes
	index := map[string]int{}
	for _, e := range es {
		if e.StartsAt.After(until) {
			continue
		}
		i, ok := index[e.Name]
		if !ok {
			i = len(films)
			index[e.Name] = i
			films = append(films, filmTimes{Title: e.Name, Category: e.Category, Description: e.Description})
		}
		f := &films[i]
		day := inZone(e.StartsAt, tz).Format("Mon Jan 2")
		if n := len(f.Days); n == 0 || f.Days[n-1].Day != day {
			f.Days = append(f.Days, dayTimes{Day: day})
		}
		f.Days[len(f.Days)-1].Shows = append(f.Days[len(f.Days)-1].Shows, e)
	}
	return films
}
