package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	idgen "github.com/boxoffice/boxoffice/internal/ids"
	"github.com/boxoffice/boxoffice/internal/store"
	"github.com/boxoffice/boxoffice/internal/store/postgres"
	"github.com/boxoffice/boxoffice/internal/store/sqlite"
)

// ceilingSeats is how many places the ceiling's scratch event has: the
// demo stadium's, which the sell-out sells.
const ceilingSeats = 80_879

// ceilingDB is what a store engine's Ceiling offers: scratch copies of
// the seat and hold tables in the bench's database, and the bare hold
// transaction on them. The engines hold the SQL; the timing is here, once.
type ceilingDB interface {
	Pairs() int
	Describe() string
	Hold(ctx context.Context, pair int, holdID string) (bool, error)
	Check(ctx context.Context) (holds, seats int, err error)
	Close() error
}

// ceilingResult is what the database alone did: holds of adjacent pairs,
// one transaction each, by W writers for a fixed time or until every pair
// was taken.
type ceilingResult struct {
	Engine     string `json:"engine"`
	Durability string `json:"durability"`
	Writers    int    `json:"writers"`
	Seats      int    `json:"seats"`
	Pairs      int    `json:"pairs"`
	// DurationLimitSeconds is --ceiling-duration; Seconds is how long the
	// writers ran, shorter when AllPairsClaimed.
	DurationLimitSeconds float64 `json:"duration_limit_seconds"`
	Seconds              float64 `json:"seconds"`
	SetupSeconds         float64 `json:"setup_seconds"`
	Transactions         int64   `json:"transactions"`
	// Lost counts claims that did not get both seats; with every pair
	// tried once it must be 0.
	Lost            int64          `json:"lost"`
	AllPairsClaimed bool           `json:"all_pairs_claimed"`
	TxPerSecond     float64        `json:"tx_per_second"`
	Latency         latencySummary `json:"latency_ms"`
	// CheckedSeats is how many claimed seats the check after the run found,
	// each in exactly one hold.
	CheckedSeats int `json:"checked_seats"`
}

// runCeiling measures the bare hold transaction on the bench's database
// (see ceilingDB) and drops its scratch tables again.
func runCeiling(ctx context.Context, c benchConfig, out io.Writer) (*ceilingResult, error) {
	engine, dsn, err := store.ParseURL(c.database)
	if err != nil {
		return nil, err
	}
	writers := c.ceilingWriters
	if writers <= 0 {
		// PostgreSQL: as many connections as a pool worth measuring. SQLite
		// has one writer connection whatever the writers; two keep it
		// always busy without a queue that only lengthens the latency.
		writers = map[store.Engine]int{store.Postgres: 32, store.SQLite: 2}[engine]
	}
	seats := c.ceilingSeats
	if seats <= 0 {
		seats = ceilingSeats
	}
	r := &ceilingResult{Engine: string(engine), Writers: writers, Seats: seats, DurationLimitSeconds: c.ceilingDuration.Seconds()}
	fmt.Fprintf(out, "ceiling: filling %d scratch seats in the %s database...\n", seats, engine)
	setup := time.Now()
	var db ceilingDB
	switch engine {
	case store.SQLite:
		db, err = sqlite.OpenCeiling(ctx, dsn, seats)
	case store.Postgres:
		db, err = postgres.OpenCeiling(ctx, dsn, seats, writers)
	default:
		err = fmt.Errorf("no ceiling for engine %q", engine)
	}
	if err != nil {
		return nil, err
	}
	closed := false
	defer func() {
		if !closed {
			_ = db.Close()
		}
	}()
	r.SetupSeconds, r.Pairs, r.Durability = time.Since(setup).Seconds(), db.Pairs(), db.Describe()

	var next, done, lost atomic.Int64
	var failed atomic.Pointer[error]
	lats := make([][]time.Duration, writers)
	start := time.Now()
	deadline := start.Add(c.ceilingDuration)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for ctx.Err() == nil && failed.Load() == nil && time.Now().Before(deadline) {
				i := int(next.Add(1) - 1)
				if i >= r.Pairs {
					return
				}
				id := idgen.New("hld")
				t0 := time.Now()
				ok, err := db.Hold(ctx, i, id)
				d := time.Since(t0)
				if err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
				lats[w] = append(lats[w], d)
				if ok {
					done.Add(1)
				} else {
					lost.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if e := failed.Load(); e != nil {
		return nil, fmt.Errorf("ceiling: %w", *e)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	r.Seconds, r.Transactions, r.Lost = elapsed.Seconds(), done.Load(), lost.Load()
	r.AllPairsClaimed = next.Load() >= int64(r.Pairs)
	r.TxPerSecond = float64(r.Transactions) / elapsed.Seconds()
	r.Latency = summarize(all)
	holds, seats, err := db.Check(ctx)
	if err != nil {
		return nil, err
	}
	if int64(holds) != r.Transactions {
		return nil, fmt.Errorf("ceiling: %d holds committed but %d in the table", r.Transactions, holds)
	}
	r.CheckedSeats = seats
	closed = true
	if err := db.Close(); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "ceiling: bare hold transaction on %s (%s), %d writers: %d tx in %s: %.0f tx/s; p50 %s  p99 %s  max %s; %d seats claimed, each once%s\n",
		engine, r.Durability, writers, r.Transactions, elapsed.Round(time.Millisecond), r.TxPerSecond,
		pct(all, 50), pct(all, 99), pct(all, 100), seats, map[bool]string{true: "; every pair claimed before the time was up"}[r.AllPairsClaimed])
	return r, nil
}
