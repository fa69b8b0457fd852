package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the statement cache. Queries are built from a
// fixed set of shapes (IN lists grow only up to the hold size limit), so
// the bound is a guard, not an eviction policy.
const maxCachedStmts = 2000

// db is a pool whose statements are prepared once per connection and
// reused. SQLite spends a real share of a small statement's time parsing
// it (a sixth of the writer's time in a sell-out, measured with pprof); on
// the single writer connection that time is the service's throughput, so
// each distinct query text is parsed once.
//
// A transaction must never prepare through the pool: the writer pool has
// exactly one connection, which the transaction itself holds, so
// DB.PrepareContext would wait for it forever. A statement first seen
// inside a transaction therefore runs unprepared there and is queued;
// prepareQueued prepares it once the transaction has given its connection
// back. Later transactions bind the cached statement to their connection
// (Tx.StmtContext reuses what was prepared on that connection).
type db struct {
	*sql.DB
	mu     sync.RWMutex
	stmts  map[string]*sql.Stmt
	queued map[string]bool
}

func newDB(d *sql.DB) *db {
	return &db{DB: d, stmts: map[string]*sql.Stmt{}, queued: map[string]bool{}}
}

// cached returns the prepared statement for q, or nil. With queue set, a
// miss queues q for prepareQueued.
func (d *db) cached(q string, queue bool) *sql.Stmt {
	d.mu.RLock()
	st := d.stmts[q]
	d.mu.RUnlock()
	if st != nil || !queue {
		return st
	}
	d.mu.Lock()
	if d.stmts != nil && len(d.stmts)+len(d.queued) < maxCachedStmts {
		d.queued[q] = true
	}
	d.mu.Unlock()
	return nil
}

// stmt returns the prepared statement for q, preparing it on the pool the
// first time, or nil when the cache is full or closed. Only for use
// outside a transaction. The lock is not held while preparing: that may
// wait for the writer connection, whose transaction needs the lock to
// look up its own statements.
func (d *db) stmt(ctx context.Context, q string) *sql.Stmt {
	d.mu.RLock()
	st, full := d.stmts[q], d.stmts == nil || len(d.stmts) >= maxCachedStmts
	d.mu.RUnlock()
	if st != nil || full {
		return st
	}
	st, err := d.DB.PrepareContext(ctx, q)
	if err != nil {
		return nil // the caller runs q unprepared and reports its error
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if won := d.stmts[q]; won != nil || d.stmts == nil {
		st.Close() // another caller prepared it first, or the pool closed
		return won
	}
	d.stmts[q] = st
	delete(d.queued, q)
	return st
}

// prepareQueued prepares the statements that transactions met for the
// first time. Call it with no transaction open on this goroutine.
func (d *db) prepareQueued(ctx context.Context) {
	d.mu.Lock()
	if len(d.queued) == 0 {
		d.mu.Unlock()
		return
	}
	qs := make([]string, 0, len(d.queued))
	for q := range d.queued {
		qs = append(qs, q)
	}
	clear(d.queued)
	d.mu.Unlock()
	for _, q := range qs {
		d.stmt(context.WithoutCancel(ctx), q)
	}
}

// QueryContext runs q as a cached prepared statement.
func (d *db) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := d.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.DB.QueryContext(ctx, q, args...)
}

// QueryRowContext runs q as a cached prepared statement.
func (d *db) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := d.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.DB.QueryRowContext(ctx, q, args...)
}

// ExecContext runs q as a cached prepared statement.
func (d *db) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := d.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return d.DB.ExecContext(ctx, q, args...)
}

// Close closes the cached statements and the pool.
func (d *db) Close() error {
	d.mu.Lock()
	for _, st := range d.stmts {
		st.Close()
	}
	d.stmts, d.queued = nil, nil
	d.mu.Unlock()
	return d.DB.Close()
}

// tx is a transaction that uses its pool's cached statements.
type tx struct {
	*sql.Tx
	db *db
}

// QueryContext runs q through the cache.
func (t *tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := t.db.cached(q, true); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, q, args...)
}

// QueryRowContext runs q through the cache.
func (t *tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := t.db.cached(q, true); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, q, args...)
}

// ExecContext runs q through the cache.
func (t *tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := t.db.cached(q, true); st != nil {
		return t.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, q, args...)
}
