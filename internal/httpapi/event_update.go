package httpapi

import (
	"net/http"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

// updateEvent is PATCH /events/{id}: the fields given change, prices and
// add-ons stay as they were put on sale (see catalog.EventUpdate).
func (s *Server) updateEvent(w http.ResponseWriter, r *http.Request, by account.User) error {
	var in catalog.EventUpdate
	if err := decode(w, r, &in); err != nil {
		return err
	}
	e, err := s.Catalog.UpdateEvent(r.Context(), by, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"event": e})
	return nil
}
