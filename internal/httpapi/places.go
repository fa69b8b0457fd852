package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/boxoffice/boxoffice/internal/apperr"
)

// placeJSON is a gazetteer place as the API shows it.
type placeJSON struct {
	Name        string  `json:"name"`
	Label       string  `json:"label"`
	Region      string  `json:"region"`
	RegionName  string  `json:"region_name,omitempty"`
	Country     string  `json:"country"`
	CountryName string  `json:"country_name"`
	Lat         float64 `json:"lat"`
	Lon         float64 `json:"lon"`
	Population  int     `json:"population"`
}

// listPlaces suggests cities whose name starts with q, most populous
// first, from the embedded gazetteer: what a "near a city" box offers as
// one types. Anything after a comma in q is left to the client to match;
// an empty q suggests nothing.
func (s *Server) listPlaces(w http.ResponseWriter, r *http.Request) error {
	q, err := queryOf(r, "q", "limit")
	if err != nil {
		return err
	}
	text := strings.TrimSpace(q.Get("q"))
	var f apperr.Fields
	if utf8.RuneCountInString(text) > 100 {
		f.Add("q", "must be at most 100 characters")
	}
	limit := 8
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 20 {
			f.Add("limit", "must be between 1 and 20")
		}
		limit = n
	}
	if err := f.Err(); err != nil {
		return err
	}
	out := []placeJSON{}
	for _, p := range s.Places.Suggest(text, limit) {
		out = append(out, placeJSON{Name: p.Name, Label: p.Label(), Region: p.Region, RegionName: p.RegionName, Country: p.Country,
			CountryName: p.CountryName, Lat: p.Lat, Lon: p.Lon, Population: p.Population})
	}
	writeJSON(w, http.StatusOK, map[string]any{"places": out})
	return nil
}
