package httpapi

import (
	"net/http"
	"net/url"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

func (s *Server) createVenue(w http.ResponseWriter, r *http.Request, by account.User) error {
	var in catalog.VenueInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	v, err := s.Catalog.CreateVenue(r.Context(), by, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"venue": v})
	return nil
}

// nearQuery reads near= and radius_km= from a query string.
func nearQuery(q url.Values) (*catalog.Point, float64, error) {
	radius, err := catalog.ParseRadius(q.Get("radius_km"), catalog.DefaultRadiusKm)
	if err != nil || q.Get("near") == "" {
		return nil, radius, err
	}
	p, err := catalog.ParsePoint("near", q.Get("near"))
	if err != nil {
		return nil, 0, err
	}
	return &p, radius, nil
}

func (s *Server) listVenues(w http.ResponseWriter, r *http.Request) error {
	q, err := queryOf(r, "near", "radius_km", "q")
	if err != nil {
		return err
	}
	near, radius, err := nearQuery(q)
	if err != nil {
		return err
	}
	vs, err := s.Catalog.Venues(r.Context(), q.Get("q"), near, radius)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"venues": vs})
	return nil
}

func (s *Server) getVenue(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Catalog.Venue(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"venue": v})
	return nil
}

func (s *Server) venueEvents(w http.ResponseWriter, r *http.Request) error {
	q, err := queryOf(r, "limit")
	if err != nil {
		return err
	}
	limit, err := catalog.ParseLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	es, err := s.Catalog.VenueEvents(r.Context(), r.PathValue("id"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": es})
	return nil
}
