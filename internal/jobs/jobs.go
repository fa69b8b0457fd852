// Package jobs runs the background work of an instance: the hold sweeper,
// payment reconciliation, outbox delivery and clean-up. Every job is safe
// to run on many instances at once, because each step is a conditional
// write that only one of them can win; so there is no leader election.
package jobs

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Job is one periodic task.
type Job struct {
	Name  string
	Every time.Duration
	Run   func(ctx context.Context) (int, error)
}

// Observer is told how each run went, for metrics.
type Observer interface {
	JobRan(name string, processed int, took time.Duration, err error)
}

// Runner runs jobs until its context ends.
type Runner struct {
	Jobs     []Job
	Log      *slog.Logger
	Observer Observer
}

// Start runs every job on its own ticker and returns a function that stops
// them and waits for the runs in flight.
func (r Runner) Start(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, j := range r.Jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(j.Every)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					r.runOnce(ctx, j)
				}
			}
		}()
	}
	return func() { cancel(); wg.Wait() }
}

func (r Runner) runOnce(ctx context.Context, j Job) {
	start := time.Now()
	n, err := j.Run(ctx)
	if r.Observer != nil {
		r.Observer.JobRan(j.Name, n, time.Since(start), err)
	}
	switch {
	case err != nil && ctx.Err() == nil:
		r.Log.Error("job failed", "job", j.Name, "err", err)
	case n > 0:
		r.Log.Debug("job ran", "job", j.Name, "processed", n)
	}
}
