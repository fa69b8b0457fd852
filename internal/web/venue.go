package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/catalog"
)

type venueData struct {
	Venue  catalog.Venue
	Events []catalog.Event
	// Films groups a week of showtimes by title, for a cinema (or any
	// venue where one title plays several times): one grid across its
	// screens, each time labelled with the screen it is on.
	Films []filmTimes
	// Screens is how many screens a cinema has: its sections, when its
	// films play on some of them at a time; 0 for any other venue.
	Screens int
}

type filmTimes struct {
	Title       string
	Category    string
	Description string
	Days        []dayTimes
}

type dayTimes struct {
	Day   string
	Shows []showTime
}

// showTime is one time in the grid. Part names the sections the event is
// on when that is not the whole venue: a cinema's screen, "Screen 2".
type showTime struct {
	catalog.Event
	Part string
}

// partOf names the sections e is on, or "" when it is on every section of
// v: the screen of a showtime, which is what a filmgoer needs to know.
func partOf(e catalog.Event, v catalog.Venue) string {
	if len(e.Sections) == 0 || len(e.Sections) >= len(v.Sections) {
		return ""
	}
	return strings.Join(e.Sections, ", ")
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
	d := venueData{Venue: v, Events: es, Films: byTitle(es, v, s.Clock.Now().Add(7*24*time.Hour))}
	for _, e := range es {
		if e.Category == "movie" && partOf(e, v) != "" {
			d.Screens = len(v.Sections)
			break
		}
	}
	s.render(w, r, http.StatusOK, "venue", view{Title: v.Name, Data: d})
	return nil
}

// byTitle groups the events before until by title and local day (in the
// venue's zone), across all of the venue's screens, when some title plays
// more than once; otherwise it returns nil.
func byTitle(es []catalog.Event, v catalog.Venue, until time.Time) []filmTimes {
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
		day := catalog.InZone(e.StartsAt, v.Timezone).Format("Mon Jan 2")
		if n := len(f.Days); n == 0 || f.Days[n-1].Day != day {
			f.Days = append(f.Days, dayTimes{Day: day})
		}
		f.Days[len(f.Days)-1].Shows = append(f.Days[len(f.Days)-1].Shows, showTime{Event: e, Part: partOf(e, v)})
	}
	return films
}
