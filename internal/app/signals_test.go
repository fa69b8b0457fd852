package app

import (
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/queue"
)

// The auto mode hears about holds and checkouts, failures being 5xx only,
// and nothing else.
func TestObserveSignals(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	sig := queue.NewSignals(func() time.Time { return now })
	observe := observeSignals(sig)
	for range 98 {
		observe("POST /api/v1/events/{id}/holds", 20*time.Millisecond, 409) // lost races: expected, not failures
	}
	observe("POST /api/v1/events/{id}/holds", 900*time.Millisecond, 201)
	observe("POST /api/v1/events/{id}/holds", 900*time.Millisecond, 503)
	observe("POST /api/v1/orders", 300*time.Millisecond, 201)
	observe("GET /api/v1/events/{id}/seats", 5*time.Second, 500) // not a signal route
	r := sig.Read()
	if r.Samples != 101 || r.HoldP99 != 900*time.Millisecond || r.CheckoutP99 != 300*time.Millisecond || r.FailureRatio != 1.0/101 {
		t.Errorf("reading %+v, want 101 samples, hold p99 900ms, checkout p99 300ms, 1 failure in 101", r)
	}
}
