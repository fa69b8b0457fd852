package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
)

// healthz says the process is alive; it checks nothing else, so a slow
// database never gets a healthy process restarted.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyTimeout bounds readiness's wait for the database. A load balancer's
// probe has its own timeout (often 1–5 s), and a probe that times out tells
// it nothing; a database that does not answer within this is not ready.
const readyTimeout = 2 * time.Second

// readyz says whether this instance should get traffic: the database answers.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if s.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := s.Ready(ctx); err != nil {
			return apperr.Wrap(apperr.Unavailable, err, "the database is not reachable")
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request) error {
	if s.Metrics == nil {
		return apperr.E(apperr.NotFound, "metrics are off")
	}
	s.Metrics.ServeHTTP(w, r)
	return nil
}

func (s *Server) openapi(w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPI)
	return nil
}

func (s *Server) notFound(_ http.ResponseWriter, r *http.Request) error {
	return apperr.E(apperr.NotFound, "no such endpoint: %s %s", r.Method, r.URL.Path)
}
