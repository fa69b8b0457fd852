package app

import (
	"net/http"
	"time"

	"github.com/boxoffice/boxoffice/internal/queue"
)

// signalRoutes are the routes whose latency and failures the waiting
// room's auto mode steers by.
var signalRoutes = map[string]string{
	"POST /api/v1/events/{id}/holds": queue.KindHold,
	"POST /api/v1/orders":            queue.KindCheckout,
}

// withSignals adds, around wrap, the recording of hold and checkout
// latencies and failures into the waiting room's signals.
func withSignals(s *queue.Signals, wrap func(string, http.Handler) http.Handler) func(string, http.Handler) http.Handler {
	return func(pattern string, h http.Handler) http.Handler {
		if wrap != nil {
			h = wrap(pattern, h)
		}
		kind, ok := signalRoutes[pattern]
		if !ok {
			return h
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			sw := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
			h.ServeHTTP(sw, r)
			s.Observe(kind, time.Since(start), sw.code >= 500)
		})
	}
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (w *statusRecorder) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
