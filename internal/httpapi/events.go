package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

func (s *Server) createEvent(w http.ResponseWriter, r *http.Request, by account.User) error {
	var in catalog.EventInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	e, err := s.Catalog.CreateEvent(r.Context(), by, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"event": e})
	return nil
}

func parseTimeParam(f *apperr.Fields, name, v string) time.Time {
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		f.Add(name, "must be an RFC 3339 time such as 2026-12-01T18:00:00Z")
	}
	return t
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) error {
	q, err := queryOf(r, "q", "category", "venue_id", "from", "to", "near", "radius_km", "cursor", "limit")
	if err != nil {
		return err
	}
	near, radius, err := nearQuery(q)
	if err != nil {
		return err
	}
	limit, err := catalog.ParseLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	var f apperr.Fields
	search := catalog.EventSearch{Text: q.Get("q"), Category: q.Get("category"), VenueID: q.Get("venue_id"),
		From: parseTimeParam(&f, "from", q.Get("from")), To: parseTimeParam(&f, "to", q.Get("to")),
		Near: near, RadiusKm: radius, Cursor: q.Get("cursor"), Limit: limit}
	if err := f.Err(); err != nil {
		return err
	}
	es, next, err := s.Catalog.Events(r.Context(), search)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": es, "next_cursor": nullable(next)})
	return nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) getEvent(w http.ResponseWriter, r *http.Request) error {
	e, err := s.Catalog.Event(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"event": e})
	return nil
}

func (s *Server) cancelEvent(w http.ResponseWriter, r *http.Request, by account.User) error {
	e, err := s.Booking.CancelEvent(r.Context(), by, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"event": e})
	return nil
}

func intParam(f *apperr.Fields, q map[string][]string, name string, def int64) int64 {
	v := ""
	if vs := q[name]; len(vs) > 0 {
		v = vs[0]
	}
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		f.Add(name, "must be an integer")
	}
	return n
}
