package app

import (
	"time"

	"github.com/boxoffice/boxoffice/internal/queue"
)

// signalRoutes are the routes whose latency and failures the waiting
// room's auto mode steers by.
var signalRoutes = map[string]string{
	"POST /api/v1/events/{id}/holds": queue.KindHold,
	"POST /api/v1/orders":            queue.KindCheckout,
}

// observeSignals feeds the waiting room's signals from the API's finished
// requests: hold and checkout latencies, and whether they failed (a 5xx;
// a lost race for a seat is not a failure).
func observeSignals(s *queue.Signals) func(pattern string, took time.Duration, status int) {
	return func(pattern string, took time.Duration, status int) {
		if kind, ok := signalRoutes[pattern]; ok {
			s.Observe(kind, took, status >= 500)
		}
	}
}
