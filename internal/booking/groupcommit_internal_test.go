package booking

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/boxoffice/boxoffice/internal/apperr"
)

// txLog is a Store whose InTx only runs fn (with no Tx: the steps here do
// not touch one) and records how many steps each transaction saw and
// whether it "committed". The batching rules are what is tested here; the
// engines' side is in storetest's GroupCommit group.
type txLog struct {
	Store
	mu      sync.Mutex
	commits []int // steps run by each committed transaction
	aborts  int
	current int
}

func (l *txLog) InTx(ctx context.Context, fn func(Tx) error) error {
	l.mu.Lock()
	l.current = 0
	l.mu.Unlock()
	err := fn(nil)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.aborts++
		return err
	}
	l.commits = append(l.commits, l.current)
	return nil
}

func (l *txLog) ran() {
	l.mu.Lock()
	l.current++
	l.mu.Unlock()
}

// runBatch submits the steps together (the first one waits until all are
// queued) and returns their answers.
func runBatch(t *testing.T, c *committer, steps []func(Tx, *batch) error) []error {
	t.Helper()
	errs := make([]error, len(steps))
	ctx := context.Background()
	sts := make([]*step, len(steps))
	for i, fn := range steps {
		sts[i] = &step{ctx: ctx, key: string(rune('a' + i)), fn: fn, done: make(chan error, 1)}
	}
	c.lanes.Add("evt", sts...)
	for i, st := range sts {
		errs[i] = <-st.done
	}
	return errs
}

func TestBatchStepWithSQLErrorFailsAlone(t *testing.T) {
	l := &txLog{}
	c := newCommitter(l, GroupCommit{})
	broken := errors.New("disk I/O error")
	errs := runBatch(t, c, []func(Tx, *batch) error{
		func(Tx, *batch) error { l.ran(); return nil },
		func(Tx, *batch) error { l.ran(); return broken },
		func(Tx, *batch) error { l.ran(); return apperr.E(apperr.SeatsUnavailable, "taken") },
		func(Tx, *batch) error { l.ran(); return nil },
	})
	if errs[0] != nil || !errors.Is(errs[1], broken) || apperr.CodeOf(errs[2]) != apperr.SeatsUnavailable || errs[3] != nil {
		t.Fatalf("answers %v, want nil, the SQL error, seats_unavailable, nil", errs)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	// The batch aborted at the broken step; then each step ran alone: the
	// broken one and the refused one rolled back, the other two committed.
	if l.aborts != 3 || len(l.commits) != 2 {
		t.Errorf("aborts %d, commits %v; want the batch, the broken and the refused step rolled back, two lone commits", l.aborts, l.commits)
	}
	for _, n := range l.commits {
		if n != 1 {
			t.Errorf("commits %v: after a failed batch every step must commit alone", l.commits)
		}
	}
}

func TestBatchDomainErrorsDoNotStopTheBatch(t *testing.T) {
	l := &txLog{}
	c := newCommitter(l, GroupCommit{})
	errs := runBatch(t, c, []func(Tx, *batch) error{
		func(Tx, *batch) error { l.ran(); return apperr.E(apperr.TicketLimitExceeded, "limit") },
		func(Tx, *batch) error { l.ran(); return nil },
		func(Tx, *batch) error { l.ran(); return apperr.E(apperr.HoldNotActive, "gone") },
	})
	if apperr.CodeOf(errs[0]) != apperr.TicketLimitExceeded || errs[1] != nil || apperr.CodeOf(errs[2]) != apperr.HoldNotActive {
		t.Fatalf("answers %v", errs)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.aborts != 0 || len(l.commits) != 1 || l.commits[0] != 3 {
		t.Errorf("aborts %d, commits %v; want one transaction of three steps", l.aborts, l.commits)
	}
}

func TestBatchLockedCandidatesTryAgainThenAlone(t *testing.T) {
	l := &txLog{}
	c := newCommitter(l, GroupCommit{})
	var mu sync.Mutex
	tries := 0
	errs := runBatch(t, c, []func(Tx, *batch) error{
		func(Tx, *batch) error { l.ran(); return nil },
		func(Tx, *batch) error {
			l.ran()
			mu.Lock()
			defer mu.Unlock()
			tries++
			return ErrLockedCandidates
		},
	})
	if errs[0] != nil || !errors.Is(errs[1], ErrLockedCandidates) {
		t.Fatalf("answers %v", errs)
	}
	mu.Lock()
	defer mu.Unlock()
	// Three batches, then alone (where the engine's retries would apply;
	// this store has none, so the error comes back).
	if tries != stepRetries+1 {
		t.Errorf("the step ran %d times, want %d batches and one lone run", tries, stepRetries)
	}
}
