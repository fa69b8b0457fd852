package queue

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/internal/catalog"
)

// Kinds of requests the auto mode watches.
const (
	KindHold     = "hold"
	KindCheckout = "checkout"
)

// AutoPolicy is when the auto mode lowers or raises admission.
type AutoPolicy struct {
	HoldP99, CheckoutP99 time.Duration // lower admission above these
	FailureRatio         float64       // or above this share of 5xx answers
	Down, Up             float64       // factors applied to the rate
	MinSamples           int           // below this, the signals say nothing
	Every                time.Duration // at most one change per event this often
}

// DefaultAutoPolicy follows the service's own objectives (the alerts in
// deploy/prometheus): hold p99 250 ms, checkout p99 1 s, 2% failures. It
// backs off fast (×0.7) and recovers slowly (×1.15), like TCP's AIMD, so a
// struggling database gets air at once and is not flooded again.
var DefaultAutoPolicy = AutoPolicy{HoldP99: 250 * time.Millisecond, CheckoutP99: time.Second, FailureRatio: 0.02,
	Down: 0.7, Up: 1.15, MinSamples: 20, Every: 10 * time.Second}

// Signals keeps the last 30 seconds of hold and checkout latencies and
// failures seen by this instance: the golden signals the auto mode
// steers by. Each instance steers by its own view; behind a load balancer
// every instance sees a fair share of the traffic, and the state row
// allows one change per event per AutoPolicy.Every whoever makes it.
type Signals struct {
	mu      sync.Mutex
	now     func() time.Time
	buckets [signalBuckets]signalBucket
}

const (
	signalBuckets = 10
	bucketSpan    = 3 * time.Second
	bucketSamples = 512 // latencies kept per kind and bucket
)

type signalBucket struct {
	start     time.Time
	latencies map[string][]time.Duration
	total     int
	failed    int
}

// NewSignals returns an empty window on the clock now.
func NewSignals(now func() time.Time) *Signals { return &Signals{now: now} }

// Observe records one request of kind: how long it took and whether it
// failed (a 5xx, not an expected error like a lost seat race).
func (s *Signals) Observe(kind string, d time.Duration, failed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.bucket(s.now())
	if len(b.latencies[kind]) < bucketSamples {
		b.latencies[kind] = append(b.latencies[kind], d)
	}
	b.total++
	if failed {
		b.failed++
	}
}

func (s *Signals) bucket(now time.Time) *signalBucket {
	start := now.Truncate(bucketSpan)
	b := &s.buckets[(start.UnixNano()/int64(bucketSpan))%signalBuckets]
	if !b.start.Equal(start) {
		*b = signalBucket{start: start, latencies: map[string][]time.Duration{}}
	}
	return b
}

// Reading is the window's summary.
type Reading struct {
	HoldP99, CheckoutP99 time.Duration
	FailureRatio         float64
	Samples              int
}

// Read summarises the last 30 seconds.
func (s *Signals) Read() Reading {
	s.mu.Lock()
	defer s.mu.Unlock()
	cutoff := s.now().Add(-signalBuckets * bucketSpan)
	var r Reading
	var holds, checkouts []time.Duration
	failed := 0
	for _, b := range s.buckets {
		if b.start.Before(cutoff) || b.latencies == nil {
			continue
		}
		holds = append(holds, b.latencies[KindHold]...)
		checkouts = append(checkouts, b.latencies[KindCheckout]...)
		r.Samples += b.total
		failed += b.failed
	}
	r.HoldP99, r.CheckoutP99 = p99(holds), p99(checkouts)
	if r.Samples > 0 {
		r.FailureRatio = float64(failed) / float64(r.Samples)
	}
	return r
}

func p99(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[(len(ds)*99)/100]
}

// decide is the auto mode's rule: the new rate and why, or the same rate.
func (p AutoPolicy) decide(q catalog.Queue, rate int, r Reading) (int, string) {
	if r.Samples < p.MinSamples {
		return rate, ""
	}
	switch {
	case r.HoldP99 > p.HoldP99 || r.CheckoutP99 > p.CheckoutP99 || r.FailureRatio > p.FailureRatio:
		return max(q.MinAdmitPerMinute, int(float64(rate)*p.Down)), "signals over their objectives"
	case r.HoldP99 < p.HoldP99/2 && r.CheckoutP99 < p.CheckoutP99/2 && r.FailureRatio < p.FailureRatio/2:
		return min(q.MaxAdmitPerMinute, int(float64(rate)*p.Up)+1), "signals well within their objectives"
	}
	return rate, ""
}

// steer applies the auto mode to one event at most once per Every.
func (s *Service) steer(ctx context.Context, e catalog.Event, st State, now time.Time) (bool, error) {
	if now.Sub(st.BaseAt) < s.auto.Every {
		return false, nil
	}
	r := s.signals.Read()
	rate, why := s.auto.decide(e.Queue, st.RatePerMinute, r)
	if rate == st.RatePerMinute {
		return false, nil
	}
	// Under the lock, the change must still be due: another instance may
	// have just made one.
	due := func(cur State) bool { return now.Sub(cur.BaseAt) >= s.auto.Every }
	return s.setRate(ctx, e, now, rate, why, due, "hold_p99_ms", r.HoldP99.Milliseconds(),
		"checkout_p99_ms", r.CheckoutP99.Milliseconds(), "failure_ratio", r.FailureRatio, "samples", r.Samples)
}
