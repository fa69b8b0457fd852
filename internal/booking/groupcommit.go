package booking

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/lanes"
)

// Group commit of the on-sale's writes. In an on-sale every buyer writes to
// one event, and each hold and each half of a checkout used to be a
// transaction of its own: SQLite's one writer then spends its time on
// BEGIN, COMMIT and the WAL frames each commit writes, and PostgreSQL on a
// WAL flush per sale. So an event's writes are gathered, as TigerBeetle
// gathers transfers: while a batch is being written, the writes that
// arrive wait, and the next batch takes all of them at once. Nobody waits
// for a timer; a batch is as large as the load makes it.
//
// Each write of a batch is one step, answered with its own result and its
// own error. A step that fails with a domain error (apperr: seats taken,
// ticket limit, hold not active) must leave the transaction as it found
// it: the steps check before they write, and the one write that can fail
// half-way (a claim that got fewer seats than asked) is undone before the
// step returns. The other steps of the batch still commit. A step that
// fails any other way (an SQL error, which on PostgreSQL aborts the whole
// transaction) rolls the batch back, and each of its steps runs again in
// a transaction of its own, so one bad write fails alone.
//
// Nothing that decides who gets a seat lives in memory: a batch is only a
// transaction that holds several requests, the conditional UPDATEs and the
// locks decide as before, and batches of different instances meet in the
// database like single transactions do.

// ErrLockedCandidates is returned by a step whose search for free places
// passed over places that concurrent transactions had locked, and so
// found too few (only PostgreSQL skips locked rows). The step wrote
// nothing; it is tried again in a later batch, when those transactions
// have ended, and finally in a transaction of its own.
var ErrLockedCandidates = errors.New("free places are locked by concurrent transactions")

// GroupCommit tunes the batching of an event's writes.
type GroupCommit struct {
	// MaxBatch bounds the steps of one transaction (default 64), so that a
	// batch holds its locks for milliseconds, not seconds.
	MaxBatch int
	// Concurrency is how many batches of one event may be written at once
	// by this instance (default 1). SQLite has one writer, so more would
	// only queue; PostgreSQL commits several transactions in parallel.
	Concurrency int
	// Off runs every step in a transaction of its own, as before group
	// commit: for comparison in benchmarks.
	Off bool
	// Observe, if set, is told of every batch written: how many steps it
	// held and how long its transaction took (for metrics and tests).
	Observe func(steps int, took time.Duration)
}

// stepRetries is how many batches a step that met locked candidates is
// tried in before it runs alone.
const stepRetries = 3

// batchTimeout bounds a batch's transaction: the batch is not any one
// request's, so it does not end when a client goes away.
const batchTimeout = 30 * time.Second

// step is one request's part of a batch. fn runs in the batch's
// transaction with the batch's shared state.
type step struct {
	ctx context.Context
	// key orders the steps of a batch (the buyer's id): every batch takes
	// the buyers' locks in the same order, so batches of different
	// instances cannot deadlock on them.
	key      string
	fn       func(Tx, *batch) error
	done     chan error
	attempts int
}

// batch is what the steps of one transaction share: the walks for best
// available, so that one walk serves every buyer in the batch who asks
// for the same kind of block.
type batch struct {
	walks map[walkKey]*walkMemo
	taken map[int64]bool // places claimed in this transaction
	// events are the terms of sale the steps read: once per batch.
	events map[string]catalog.Event
}

func newBatch() *batch {
	return &batch{walks: map[walkKey]*walkMemo{}, taken: map[int64]bool{}, events: map[string]catalog.Event{}}
}

// committer batches the writes of each event: one lane per event.
type committer struct {
	store Store
	opts  GroupCommit
	lanes lanes.Lanes[*step]
}

func newCommitter(st Store, o GroupCommit) *committer {
	if o.MaxBatch <= 0 {
		o.MaxBatch = 64
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 1
	}
	c := &committer{store: st, opts: o}
	c.lanes = lanes.Lanes[*step]{MaxBatch: o.MaxBatch, Concurrency: o.Concurrency, Commit: c.commit}
	return c
}

// do runs fn in a batch of eventID's writes and returns fn's error.
func (c *committer) do(ctx context.Context, eventID, key string, fn func(Tx, *batch) error) error {
	if c.opts.Off {
		return c.alone(ctx, fn)
	}
	st := &step{ctx: ctx, key: key, fn: fn, done: make(chan error, 1)}
	c.lanes.Add(eventID, st)
	select {
	case err := <-st.done:
		return err
	case <-ctx.Done():
		// The batch may still commit the step: like a client that hangs up
		// after its transaction committed, the result is not lost, only
		// unanswered (the hold expires; the order is reconciled).
		return ctx.Err()
	}
}

// commit writes steps in one transaction and answers each.
func (c *committer) commit(eventID string, steps []*step) {
	live := steps[:0:0]
	for _, st := range steps {
		if err := st.ctx.Err(); err != nil {
			st.done <- err // its client has gone: nothing to write
			continue
		}
		live = append(live, st)
	}
	if len(live) == 0 {
		return
	}
	slices.SortStableFunc(live, func(a, b *step) int { return strings.Compare(a.key, b.key) })
	errs := make([]error, len(live))
	ctx, cancel := c.batchContext(live)
	defer cancel()
	began := time.Now()
	err := c.store.InTx(ctx, func(tx Tx) error {
		b := newBatch()
		for i, st := range live {
			errs[i] = st.fn(tx, b)
			if errs[i] != nil && !isStepError(errs[i]) {
				return errs[i]
			}
		}
		return nil
	})
	if c.opts.Observe != nil {
		c.opts.Observe(len(live), time.Since(began))
	}
	if err != nil {
		// Something failed that is not a step's own answer: run each step
		// on its own, so that it fails alone.
		for _, st := range live {
			go func() { st.done <- c.alone(st.ctx, st.fn) }()
		}
		return
	}
	var again []*step
	for i, st := range live {
		if errors.Is(errs[i], ErrLockedCandidates) {
			st.attempts++
			if st.attempts < stepRetries {
				again = append(again, st)
			} else {
				go func() { st.done <- c.alone(st.ctx, st.fn) }()
			}
			continue
		}
		st.done <- errs[i]
	}
	if len(again) > 0 {
		c.lanes.Add(eventID, again...)
	}
}

// batchContext is the context of a batch's transaction. The batch is not
// any one request's, so one client going away does not cancel it; but once
// every one of its requests is done (their clients left, or shutdown
// cancelled them all), nobody waits for it, and it is cancelled too, so a
// batch stuck behind a lock does not hold up shutdown.
func (c *committer) batchContext(live []*step) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(live[0].ctx), batchTimeout)
	var waiting atomic.Int64
	waiting.Store(int64(len(live)))
	stops := make([]func() bool, len(live))
	for i, st := range live {
		stops[i] = context.AfterFunc(st.ctx, func() {
			if waiting.Add(-1) == 0 {
				cancel()
			}
		})
	}
	return ctx, func() {
		for _, stop := range stops {
			stop()
		}
		cancel()
	}
}

// PendingWrites counts the holds and checkout steps of an event that wait
// for a batch: the group commit's queue, a saturation signal.
func (s *Service) PendingWrites(eventID string) int { return s.commits.lanes.Pending(eventID) }

// alone runs fn in a transaction of its own. The engine's own retries
// apply, so a step that met locked candidates is run again until the
// engine's last attempt, which takes what it finds.
func (c *committer) alone(ctx context.Context, fn func(Tx, *batch) error) error {
	return c.store.InTx(ctx, func(tx Tx) error { return fn(tx, newBatch()) })
}

// isStepError reports whether err is a step's own answer, after which the
// batch goes on: a domain error, or candidates to look for again later.
func isStepError(err error) bool {
	var ae *apperr.Error
	return errors.As(err, &ae) || errors.Is(err, ErrLockedCandidates)
}
