package app

import (
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/config"
	"github.com/boxoffice/boxoffice/internal/store/postgres"
	"github.com/boxoffice/boxoffice/internal/telemetry"
)

// groupCommit sets the batching of the on-sale's writes for the engine:
// SQLite has one writer, so one batch of an event at a time; PostgreSQL
// commits in parallel, so a few batches per event and instance overlap,
// each on its own connection.
func groupCommit(cfg config.Config, st Engine, t *telemetry.Telemetry) booking.GroupCommit {
	gc := booking.GroupCommit{MaxBatch: cfg.GroupCommitBatch, Concurrency: cfg.GroupCommitConcurrency, Off: !cfg.GroupCommit}
	if t != nil {
		gc.Observe = t.GroupCommit()
	}
	if gc.Concurrency == 0 {
		gc.Concurrency = 1
		if _, ok := st.(*postgres.Store); ok {
			gc.Concurrency = 4
		}
	}
	return gc
}
