package sqlite

import (
	"context"

	"github.com/boxoffice/boxoffice/internal/lanes"
)

// execBatch gathers single-statement writes that need no transaction of
// their own, such as the payment sandbox's record of each charge, and
// commits the ones that arrive together in one transaction of the one
// writer. In an on-sale there is one such write per order; alone, each
// is a commit with its WAL frames, and the writer is what the whole
// on-sale waits for. Each statement still gets its own result: a failing
// statement does not undo the others (SQLite rolls back a failed statement,
// not its transaction), and if the commit fails, every caller of the batch
// gets that error and none of the writes happened.
type execBatch struct {
	s     *Store
	lanes lanes.Lanes[*execReq]
}

type execReq struct {
	ctx  context.Context
	q    string
	args []any
	n    int64
	err  error
	done chan struct{}
}

// maxExecBatch bounds one batch's statements.
const maxExecBatch = 256

func newExecBatch(s *Store) *execBatch {
	b := &execBatch{s: s}
	// One lane: the writer is one connection, whatever the statements.
	b.lanes = lanes.Lanes[*execReq]{MaxBatch: maxExecBatch, Concurrency: 1, Commit: b.commit}
	return b
}

// exec runs q in the next batch and returns its rows affected.
func (b *execBatch) exec(ctx context.Context, q string, args ...any) (int64, error) {
	r := &execReq{ctx: ctx, q: q, args: args, done: make(chan struct{})}
	b.lanes.Add("", r)
	select {
	case <-r.done:
		return r.n, r.err
	case <-ctx.Done():
		return 0, ctx.Err() // the write may still be committed, like one whose answer was lost
	}
}

// commit writes one batch in a transaction and answers each statement.
func (b *execBatch) commit(_ string, reqs []*execReq) {
	live := reqs[:0:0]
	for _, r := range reqs {
		if r.err = r.ctx.Err(); r.err != nil {
			close(r.done)
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	err := b.s.inTx(context.WithoutCancel(live[0].ctx), func(tx *tx) error {
		for _, r := range live {
			res, err := tx.ExecContext(r.ctx, r.q, r.args...)
			if r.err = err; err == nil {
				r.n, r.err = res.RowsAffected()
			}
		}
		return nil
	})
	for _, r := range live {
		if err != nil {
			r.n, r.err = 0, err
		}
		close(r.done)
	}
}
