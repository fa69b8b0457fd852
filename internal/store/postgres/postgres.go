// Package postgres is the production store engine: PostgreSQL through pgx,
// shared by any number of `boxoffice serve` instances.
//
// Nothing here relies on one process seeing every write. Races are decided
// by the database: a hold is a conditional UPDATE whose row count must match
// the seats asked for, best-available and general admission pick candidates
// with FOR UPDATE SKIP LOCKED so buyers do not queue behind each other, a
// per-(user, event) advisory lock serializes one buyer's holds, and unique
// indexes refuse a second valid ticket for a seat or a second live order for
// a hold even if the Go code above were wrong. Transactions run at READ
// COMMITTED; the few serialization failures and deadlocks that remain are
// retried a bounded number of times and then reported as unavailable.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Options tune the connection pool.
type Options struct {
	// MaxConns is the pool size (default 20). Every instance has its own
	// pool, so the server's max_connections must cover the sum.
	MaxConns int
	// StatementTimeout bounds every statement (default 5s), so that a stuck
	// query fails its request instead of holding a connection forever.
	StatementTimeout time.Duration
	// ReplyTimeout bounds the wait for each reply of the server (default
	// the statement timeout plus 2s). It is the client's side of the
	// statement timeout: when the server cannot enforce its own, because
	// the network dropped or the server hung, the connection is given up
	// (see replyConn).
	ReplyTimeout time.Duration
	// ConnectTimeout bounds opening a connection, handshake included
	// (default 5s, unless the URL sets connect_timeout).
	ConnectTimeout time.Duration
}

// Store is the PostgreSQL engine. It implements account.Store,
// catalog.Store, booking.Store and the other contracts of the domain.
type Store struct {
	pool *pgxpool.Pool
}

var _ booking.Store = (*Store)(nil)

// Open migrates the database at url (see Migrate) and opens a pool on it.
func Open(ctx context.Context, url string, o Options) (*Store, error) {
	if o.MaxConns <= 0 {
		o.MaxConns = 20
	}
	if o.StatementTimeout <= 0 {
		o.StatementTimeout = 5 * time.Second
	}
	if o.ReplyTimeout <= 0 {
		o.ReplyTimeout = o.StatementTimeout + 2*time.Second
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 5 * time.Second
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres url: %w", err)
	}
	cfg.MaxConns = int32(o.MaxConns)
	cfg.HealthCheckPeriod = 15 * time.Second
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = o.ConnectTimeout
	}
	cfg.ConnConfig.AfterNetConnect = func(_ context.Context, _ *pgconn.Config, c net.Conn) (net.Conn, error) {
		return newReplyConn(c, o.ReplyTimeout), nil
	}
	rp := cfg.ConnConfig.RuntimeParams
	rp["statement_timeout"] = strconv.FormatInt(o.StatementTimeout.Milliseconds(), 10)
	// A transaction left open by a crashed request must not keep its
	// locks: the server ends it.
	rp["idle_in_transaction_session_timeout"] = "60000"
	if rp["application_name"] == "" {
		rp["application_name"] = "boxoffice"
	}
	if err := Migrate(ctx, url); err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres pool: %w", err)
	}
	return &Store{pool: pool}, nil
}

// Migrate applies pending migrations to the database at url. It is safe to
// run from many instances at once: goose holds a session-level advisory
// lock while it migrates, and records each applied version in
// goose_db_version. When nothing is pending it returns without locking.
func Migrate(ctx context.Context, url string) error {
	cc, err := pgx.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("postgres url: %w", err)
	}
	db := stdlib.OpenDB(*cc)
	defer db.Close()
	db.SetMaxOpenConns(1)
	return migrate(ctx, db)
}

func migrate(ctx context.Context, db *sql.DB) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if cur, target, err := p.GetVersions(ctx); err == nil && cur >= target {
		return nil
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// Close closes the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Ping checks that the database answers, for readiness. A pooled
// connection that died with a restarted server fails its first ping and
// is dropped, so a second try tells a dead database from a dead connection.
func (s *Store) Ping(ctx context.Context) error {
	err := s.pool.Ping(ctx)
	if err != nil && ctx.Err() == nil {
		err = s.pool.Ping(ctx)
	}
	return err
}

// Analyze refreshes the planner's statistics of every table. After a bulk
// load (the demo's 300,000 places) the planner has none until autovacuum
// gets to them, and its first plans for the on-sale's queries are bad
// ones: a sale started at once ran at a tenth of its speed for a while.
func (s *Store) Analyze(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, `ANALYZE`)
	return err
}

// Stats reports the pool's use, for saturation metrics.
func (s *Store) Stats() *pgxpool.Stat { return s.pool.Stat() }

// notFound maps pgx.ErrNoRows to apperr.NotFound.
func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.E(apperr.NotFound, "no such %s", what)
	}
	return err
}

// violates reports whether err is a unique violation of constraint.
func violates(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == constraint
}

// retryable reports whether err is a serialization failure or a deadlock,
// or a scan that skipped locked seats and found nothing: the transaction
// lost a race and may succeed if run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.Is(err, errSkippedLocked) || errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// maxAttempts bounds how often InTx runs fn when it keeps losing races.
const maxAttempts = 5

// InTx runs fn in a READ COMMITTED transaction. A serialization failure or
// deadlock rolls back and runs fn again, up to maxAttempts times with
// jittered backoff; then the request fails as unavailable (503 with
// Retry-After) rather than as a bug.
func (s *Store) InTx(ctx context.Context, fn func(booking.Tx) error) error {
	return s.attempts(ctx, func(tx pgx.Tx, final bool) error { return fn(&bookingTx{tx: tx, final: final}) })
}

func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return s.attempts(ctx, func(tx pgx.Tx, _ bool) error { return fn(tx) })
}

// attempts runs fn in a transaction until it commits, fails for a reason
// other than a lost race, or has run maxAttempts times; final tells fn
// that this run is the last.
func (s *Store) attempts(ctx context.Context, fn func(tx pgx.Tx, final bool) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = s.tryTx(ctx, func(tx pgx.Tx) error { return fn(tx, attempt == maxAttempts) })
		if err == nil || !retryable(err) {
			return err
		}
		if attempt == maxAttempts {
			break
		}
		backoff := time.Duration(attempt*attempt) * 5 * time.Millisecond
		backoff += rand.N(backoff)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
	return apperr.Wrap(apperr.Unavailable, err, "the database is busy; please try again")
}

func (s *Store) tryTx(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return apperr.Wrap(apperr.Unavailable, err, "the database is not reachable; please try again")
	}
	// A panic in fn must not leave the transaction open: its connection
	// would never return to the pool, its locks would stall every later
	// writer of those rows until the statement timeout, and Close, which
	// waits for every connection, would hang shutdown.
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Setting returns a stored setting, creating it with make() the first time.
// Instances starting together may all call make(); the first insert wins
// and every caller returns the stored value.
func (s *Store) Setting(ctx context.Context, name string, make func() string) (string, error) {
	var v string
	err := s.pool.QueryRow(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&v)
	if !errors.Is(err, pgx.ErrNoRows) {
		return v, err
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, make()); err != nil {
		return "", err
	}
	err = s.pool.QueryRow(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&v)
	return v, err
}
