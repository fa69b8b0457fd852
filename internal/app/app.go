// Package app wires Boxoffice together from a Config: the store engine,
// the domain services, the HTTP API, telemetry and background jobs, in
// that order and explicitly, with no globals. cmd/boxoffice and the
// end-to-end tests both start the service through it.
package app

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/config"
	"github.com/boxoffice/boxoffice/internal/httpapi"
	"github.com/boxoffice/boxoffice/internal/idempotency"
	"github.com/boxoffice/boxoffice/internal/ids"
	"github.com/boxoffice/boxoffice/internal/jobs"
	"github.com/boxoffice/boxoffice/internal/notify"
	"github.com/boxoffice/boxoffice/internal/payment"
	"github.com/boxoffice/boxoffice/internal/store"
	"github.com/boxoffice/boxoffice/internal/store/postgres"
	"github.com/boxoffice/boxoffice/internal/store/sqlite"
	"github.com/boxoffice/boxoffice/internal/telemetry"
)

// Engine is everything the service needs from a store engine.
type Engine interface {
	account.Store
	catalog.Store
	booking.Store
	idempotency.Store
	notify.Outbox
	Setting(ctx context.Context, name string, make func() string) (string, error)
	Ping(ctx context.Context) error
	PurgeSessions(ctx context.Context, now time.Time) (int, error)
	Close() error
}

// Options are the parts a test may supply instead of the defaults.
type Options struct {
	Clock    clock.Clock
	Log      *slog.Logger
	Payments payment.Provider
	// Hasher replaces the production password hasher (tests).
	Hasher *account.Hasher
}

// App is one running instance.
type App struct {
	Config   config.Config
	Log      *slog.Logger
	Clock    clock.Clock
	Store    Engine
	Accounts *account.Service
	Catalog  *catalog.Service
	Booking  *booking.Service
	Payments payment.Provider
	Metrics  *telemetry.Metrics
	Handler  http.Handler
	jobs     jobs.Runner
}

// NewLogger builds the slog logger a Config asks for.
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	o := &slog.HandlerOptions{Level: cfg.Level()}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, o))
	}
	return slog.New(slog.NewJSONHandler(w, o))
}

// OpenEngine opens the store a --database URL names, migrating it.
func OpenEngine(ctx context.Context, cfg config.Config) (Engine, error) {
	engine, dsn, err := store.ParseURL(cfg.Database)
	if err != nil {
		return nil, err
	}
	switch engine {
	case store.SQLite:
		return sqlite.Open(ctx, dsn)
	case store.Postgres:
		st, err := postgres.Open(ctx, dsn, postgres.Options{MaxConns: cfg.DBMaxConns, StatementTimeout: cfg.DBStatementTimeout})
		if err != nil {
			return nil, fmt.Errorf("database %s: %w", config.MaskURL(cfg.Database), err)
		}
		return st, nil
	default:
		return nil, fmt.Errorf("database %s: unknown engine %q", config.MaskURL(cfg.Database), engine)
	}
}

// New opens the store and builds every part of an instance.
func New(ctx context.Context, cfg config.Config, o Options) (*App, error) {
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Payments == nil {
		o.Payments = payment.NewFake(payment.FakeOptions{Now: o.Clock.Now, Latency: cfg.PaymentLatency})
	}
	if o.Hasher == nil {
		o.Hasher = account.NewHasher(2)
	}
	st, err := OpenEngine(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: o.Log, Clock: o.Clock, Store: st, Payments: o.Payments, Metrics: telemetry.New()}
	secret, err := st.Setting(ctx, "barcode_key", func() string { return hex.EncodeToString(ids.Secret(32)) })
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("barcode key: %w", err)
	}
	key, _ := hex.DecodeString(secret)
	a.Accounts = account.NewService(st, o.Hasher, o.Clock)
	a.Catalog = catalog.NewService(st, o.Clock)
	a.Booking = booking.NewService(st, o.Payments, o.Clock, booking.Options{HoldTTL: cfg.HoldTTL, Secret: key, Log: o.Log, Observer: a.Metrics})
	if cfg.AdminEmail != "" && cfg.AdminPassword != "" {
		if err := a.Accounts.EnsureAdmin(ctx, cfg.AdminEmail, cfg.AdminPassword); err != nil {
			st.Close()
			return nil, err
		}
	}
	a.Handler = httpapi.New(httpapi.Deps{Accounts: a.Accounts, Catalog: a.Catalog, Booking: a.Booking, Idempotency: st,
		Clock: o.Clock, Log: o.Log, Ready: st.Ping, Metrics: a.Metrics.Handler(), Wrap: a.Metrics.Wrap})
	deliver := notify.Deliverer{Outbox: st, Sender: notify.LogSender{Log: o.Log}, Clock: o.Clock}
	a.jobs = jobs.Runner{Log: o.Log, Observer: a.Metrics, Jobs: []jobs.Job{
		{Name: "hold_sweeper", Every: time.Second, Run: a.Booking.ExpireHolds},
		{Name: "outbox", Every: time.Second, Run: deliver.Deliver},
		{Name: "reconcile", Every: 15 * time.Second, Run: func(ctx context.Context) (int, error) {
			return a.Booking.ReconcilePending(ctx, time.Minute)
		}},
		{Name: "cleanup", Every: 10 * time.Minute, Run: func(ctx context.Context) (int, error) {
			now := o.Clock.Now()
			n, err := st.PurgeKeys(ctx, now.Add(-24*time.Hour))
			m, err2 := st.PurgeSessions(ctx, now)
			return n + m, errors.Join(err, err2)
		}},
	}}
	return a, nil
}

// Serve serves HTTP on ln and runs the background jobs until ctx ends,
// then stops taking connections and drains requests in flight.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
	var stopJobs func()
	if a.Config.Jobs {
		stopJobs = a.jobs.Start(ctx)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if stopJobs != nil {
			stopJobs()
		}
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down: draining requests in flight")
	shutCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := srv.Shutdown(shutCtx)
	if stopJobs != nil {
		stopJobs()
	}
	return err
}

// Close releases the store.
func (a *App) Close() error { return a.Store.Close() }
