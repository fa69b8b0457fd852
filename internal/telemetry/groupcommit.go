package telemetry

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// GroupCommit returns the hook that booking's group commit calls for each
// batch it writes. Batch sizes say how much the batching saves (a batch
// of one is a transaction per write); batch durations are how long each
// step waits behind the batch before it, the write path's saturation.
func (t *Telemetry) GroupCommit() func(steps int, took time.Duration) {
	steps := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "boxoffice_group_commit_batch_steps",
		Help:    "Writes (holds, checkout steps) per group-commit transaction.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256}})
	dur := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "boxoffice_group_commit_batch_seconds",
		Help:    "Time to write one group-commit transaction, commit included.",
		Buckets: []float64{.001, .002, .005, .01, .02, .05, .1, .2, .5, 1}})
	t.Registry.MustRegister(steps, dur)
	return func(n int, took time.Duration) {
		steps.Observe(float64(n))
		dur.Observe(took.Seconds())
	}
}
