package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestStmtCacheUnderContention races transactions on the one writer
// connection against statements run outside any transaction, all meeting
// query texts for the first time at once. A transaction that prepared
// through the pool, or a cache lock held while preparing, deadlocks here
// (the context's deadline turns that into a failure instead of a hang).
// Afterwards every query text is prepared once and later transactions
// reuse it.
func TestStmtCacheUnderContention(t *testing.T) {
	t.Parallel()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE kv (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	const workers, rounds, shapes = 16, 40, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				// A few distinct texts, so that many goroutines meet each
				// one for the first time together.
				q := fmt.Sprintf(`INSERT INTO kv (k, v) VALUES (?, %d) ON CONFLICT (k) DO UPDATE SET v = v + 1`, r%shapes)
				var err error
				if w%2 == 0 {
					err = s.inTx(ctx, func(tx *tx) error {
						if _, err := tx.ExecContext(ctx, q, w*rounds+r); err != nil {
							return err
						}
						var n int
						return tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*) + %d FROM kv`, r%shapes)).Scan(&n)
					})
				} else {
					_, err = s.w.ExecContext(ctx, q, w*rounds+r)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("under contention: %v", err)
	}
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM kv`).Scan(&n); err != nil || n != workers*rounds {
		t.Fatalf("rows = %d, %v; want %d", n, err, workers*rounds)
	}
	s.w.mu.RLock()
	cached, queued := len(s.w.stmts), len(s.w.queued)
	s.w.mu.RUnlock()
	// 1 CREATE + 5 INSERT + 5 SELECT texts, all prepared; nothing left over.
	if cached != 1+2*shapes || queued != 0 {
		t.Errorf("writer cache holds %d statements with %d queued; want %d and 0", cached, queued, 1+2*shapes)
	}
}
