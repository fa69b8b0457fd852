package postgres

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/store/pgtest"
)

func openInternal(t *testing.T) *Store {
	t.Helper()
	url := pgtest.URLFrom(t, "migrated", func(url string) error { return Migrate(context.Background(), url) })
	s, err := Open(context.Background(), url, Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// raise makes the server fail the statement with SQLSTATE code.
func raise(ctx context.Context, tx pgx.Tx, code string) error {
	_, err := tx.Exec(ctx, `DO $$ BEGIN RAISE EXCEPTION 'lost a race' USING ERRCODE = '`+code+`'; END $$`)
	return err
}

// TestInTxRetriesSerializationFailures: a body that fails with 40001 or
// 40P01 runs again, and succeeds when the race is gone; one that keeps
// losing ends as unavailable (503) after maxAttempts runs.
func TestInTxRetriesSerializationFailures(t *testing.T) {
	t.Parallel()
	s := openInternal(t)
	ctx := context.Background()
	for _, code := range []string{"40001", "40P01"} {
		runs := 0
		err := s.inTx(ctx, func(tx pgx.Tx) error {
			runs++
			if runs < 3 {
				return raise(ctx, tx, code)
			}
			_, err := tx.Exec(ctx, `INSERT INTO settings (name, value) VALUES ($1, 'v')`, "k"+code)
			return err
		})
		if err != nil || runs != 3 {
			t.Errorf("%s twice then success: InTx = %v after %d runs, want nil after 3", code, err, runs)
		}
		var n int
		if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM settings WHERE name = $1`, "k"+code).Scan(&n); err != nil || n != 1 {
			t.Errorf("%s: the successful run's insert is there %d times (%v), want once", code, n, err)
		}
	}
	runs := 0
	err := s.inTx(ctx, func(tx pgx.Tx) error { runs++; return raise(ctx, tx, "40001") })
	if apperr.CodeOf(err) != apperr.Unavailable || runs != maxAttempts {
		t.Errorf("always 40001: InTx = %v after %d runs, want unavailable after %d", err, runs, maxAttempts)
	}
}

// TestInTxRetriesRealDeadlock makes two transactions lock two rows in
// opposite orders. PostgreSQL aborts one with 40P01 (after
// deadlock_timeout); InTx runs it again and both commit.
func TestInTxRetriesRealDeadlock(t *testing.T) {
	t.Parallel()
	s := openInternal(t)
	ctx := context.Background()
	if _, err := s.pool.Exec(ctx, `INSERT INTO settings (name, value) VALUES ('a', '0'), ('b', '0')`); err != nil {
		t.Fatal(err)
	}
	var both sync.WaitGroup
	both.Add(2)
	var runs atomic.Int32
	lock := func(first, second string) error {
		attempt := 0
		return s.inTx(ctx, func(tx pgx.Tx) error {
			runs.Add(1)
			attempt++
			if _, err := tx.Exec(ctx, `UPDATE settings SET value = value || '+' WHERE name = $1`, first); err != nil {
				return err
			}
			if attempt == 1 {
				both.Done()
				both.Wait() // both hold their first row: now cross
			}
			_, err := tx.Exec(ctx, `UPDATE settings SET value = value || '+' WHERE name = $1`, second)
			return err
		})
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() { errs[0] = lock("a", "b") })
	wg.Go(func() { errs[1] = lock("b", "a") })
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("InTx = %v, %v; want both to commit after a retry", errs[0], errs[1])
	}
	if n := runs.Load(); n != 3 {
		t.Errorf("bodies ran %d times, want 3 (one deadlock victim retried once)", n)
	}
	var a, b string
	if err := s.pool.QueryRow(ctx, `SELECT (SELECT value FROM settings WHERE name = 'a'), (SELECT value FROM settings WHERE name = 'b')`).Scan(&a, &b); err != nil {
		t.Fatal(err)
	}
	if a != "0++" || b != "0++" {
		t.Errorf("rows = %q, %q; want each updated once by each transaction", a, b)
	}
}
