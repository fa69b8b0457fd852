// Package sqlite is the embedded store engine: one SQLite file through a
// pure-Go driver, so the binary needs no cgo and no server.
//
// SQLite allows one writer at a time. Rather than let many connections
// fight over the write lock (and fail with SQLITE_BUSY), all writes go
// through a pool of exactly one connection whose transactions start with
// BEGIN IMMEDIATE; reads use a separate pool of read-only connections that
// WAL lets run beside the writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the SQLite engine. It implements account.Store, catalog.Store,
// booking.Store and the other contracts of the domain packages.
type Store struct {
	w *db // exactly one connection: the writer
	r *db // read-only pool
	// batched commits small independent writes together (groupexec.go).
	batched *execBatch
}

var (
	_ booking.Store = (*Store)(nil)
)

// Pragmas in the order that matters: busy_timeout first, so that the
// journal_mode switch itself waits instead of failing.
const pragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
	"&_pragma=foreign_keys(ON)&_pragma=cache_size(-32000)&_pragma=temp_store(MEMORY)"

// Open opens (creating if needed) the database file at path and applies
// pending migrations.
func Open(ctx context.Context, path string) (*Store, error) {
	base := "file:" + (&url.URL{Path: path}).EscapedPath()
	w, err := sql.Open("sqlite", base+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite writer: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", base+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite readers: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0)*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s := &Store{w: newDB(w), r: newDB(r)}
	s.batched = newExecBatch(s)
	return s, nil
}

// Migrate applies pending migrations to the file at path and closes it.
func Migrate(ctx context.Context, path string) error {
	s, err := Open(ctx, path)
	if err != nil {
		return err
	}
	return s.Close()
}

func migrate(ctx context.Context, db *sql.DB) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// Close closes both pools.
func (s *Store) Close() error { return errors.Join(s.r.Close(), s.w.Close()) }

// Ping checks that the database answers, for readiness.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Stats reports the pools' use, for saturation metrics.
func (s *Store) Stats() (writer, readers sql.DBStats) { return s.w.Stats(), s.r.Stats() }

// notFound maps sql.ErrNoRows to apperr.NotFound.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.E(apperr.NotFound, "no such %s", what)
	}
	return err
}

// InTx runs fn in a BEGIN IMMEDIATE transaction on the writer.
func (s *Store) InTx(ctx context.Context, fn func(booking.Tx) error) error {
	return s.inTx(ctx, func(tx *tx) error { return fn(&bookingTx{tx: tx}) })
}

func (s *Store) inTx(ctx context.Context, fn func(*tx) error) error {
	// Statements this transaction met for the first time are prepared once
	// it has handed the writer connection back.
	defer s.w.prepareQueued(ctx)
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	// A panic in fn must not leave the one writer connection inside a
	// transaction: every later write would wait for it forever.
	defer func() {
		if p := recover(); p != nil {
			_ = t.Rollback()
			panic(p)
		}
	}()
	if err := fn(&tx{Tx: t, db: s.w}); err != nil {
		_ = t.Rollback()
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Setting returns a stored setting, creating it with make() the first time.
// Used for secrets that every instance must share, such as the barcode key.
func (s *Store) Setting(ctx context.Context, name string, make func() string) (string, error) {
	var v string
	err := s.inTx(ctx, func(tx *tx) error {
		err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			v = make()
			_, err = tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES (?, ?)`, name, v)
		}
		return err
	})
	return v, err
}
