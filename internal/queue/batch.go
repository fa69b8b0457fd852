package queue

import (
	"context"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

// Group commit of joins. A join is a small write, and its cost is the
// commit: SQLite's one writer writes the WAL frames of every commit, and
// PostgreSQL flushes its WAL for each (synchronous_commit stays on). So
// each event has one goroutine per instance that takes the joins waiting
// for it and applies them all in one transaction, each answered with its
// own place; joins that arrive while a batch commits make the next one.
// Nothing is decided in memory: the batch runs under the state row's lock
// like a single join, and instances' batches take turns on that lock. A
// batch that fails is retried join by join, so one bad join fails alone.

// maxBatch bounds a batch: its transaction must stay short.
const maxBatch = 256

// batchIdle is how long an event's batcher waits for work before it ends.
const batchIdle = 10 * time.Second

type joinReq struct {
	e   catalog.Event
	by  account.User
	now time.Time
	ctx context.Context
	res chan joinRes
}

type joinRes struct {
	ent    Entry
	st     State
	joined bool
	err    error
}

// joinBatches holds the running batchers, one per event.
type joinBatches struct {
	mu sync.Mutex
	m  map[string]chan joinReq
}

func newJoinBatches() *joinBatches { return &joinBatches{m: map[string]chan joinReq{}} }

// submit hands r to its event's batcher (starting one if none runs) and
// waits for its answer.
func (b *joinBatches) submit(ctx context.Context, s *Service, r joinReq) (Entry, State, bool, error) {
	r.ctx, r.res = ctx, make(chan joinRes, 1)
	b.mu.Lock()
	ch, ok := b.m[r.e.ID]
	if !ok {
		ch = make(chan joinReq, 4*maxBatch)
		b.m[r.e.ID] = ch
		go b.run(s, r.e, ch)
	}
	b.mu.Unlock()
	select {
	case ch <- r:
	case <-ctx.Done():
		return Entry{}, State{}, false, ctx.Err()
	}
	select {
	case out := <-r.res:
		return out.ent, out.st, out.joined, out.err
	case <-ctx.Done():
		return Entry{}, State{}, false, ctx.Err()
	}
}

// run is an event's batcher: it commits what is waiting, batch after
// batch, and ends when no join came for batchIdle.
func (b *joinBatches) run(s *Service, e catalog.Event, ch chan joinReq) {
	idle := time.NewTimer(batchIdle)
	defer idle.Stop()
	for {
		var first joinReq
		select {
		case first = <-ch:
		case <-idle.C:
			b.mu.Lock()
			if len(ch) == 0 {
				delete(b.m, e.ID)
				b.mu.Unlock()
				return
			}
			b.mu.Unlock()
			idle.Reset(batchIdle)
			continue
		}
		batch := []joinReq{first}
	drain:
		for len(batch) < maxBatch {
			select {
			case r := <-ch:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		s.commitJoins(batch)
		idle.Reset(batchIdle)
	}
}

// commitJoins applies a batch in one transaction and answers each join;
// if the transaction fails, each join is tried on its own.
func (s *Service) commitJoins(batch []joinReq) {
	live := batch[:0:0]
	for _, r := range batch {
		if r.ctx.Err() != nil { // its client has gone: nothing to place
			r.res <- joinRes{err: r.ctx.Err()}
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	out := make([]joinRes, len(live))
	// The batch outlives any one client, so it runs on its own context,
	// bounded like a request.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e := live[0].e
	err := s.store.InQueueTx(ctx, e.ID, s.newState(e), func(tx Tx) error {
		st := tx.State()
		for i, r := range live {
			var err error
			out[i].ent, st, out[i].joined, err = s.place(ctx, tx, st, r)
			if err != nil {
				return err
			}
			out[i].st = st
		}
		for i := range out {
			out[i].st = st // every answer sees the state as committed
		}
		return tx.SaveState(ctx, st)
	})
	if err == nil {
		for i, r := range live {
			r.res <- out[i]
		}
		return
	}
	if len(live) == 1 {
		live[0].res <- joinRes{err: err}
		return
	}
	for _, r := range live {
		s.commitJoins([]joinReq{r})
	}
}
