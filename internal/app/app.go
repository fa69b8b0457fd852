// Package app wires Boxoffice together from a Config: the store engine,
// the domain services, the HTTP API, telemetry and background jobs, in
// that order and explicitly, with no globals. cmd/boxoffice and the
// end-to-end tests both start the service through it.
package app

import (
	"context"
	"crypto/tls"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/trace"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/config"
	"github.com/boxoffice/boxoffice/internal/failpoint"
	"github.com/boxoffice/boxoffice/internal/gazetteer"
	"github.com/boxoffice/boxoffice/internal/httpapi"
	"github.com/boxoffice/boxoffice/internal/idempotency"
	"github.com/boxoffice/boxoffice/internal/ids"
	"github.com/boxoffice/boxoffice/internal/jobs"
	"github.com/boxoffice/boxoffice/internal/notify"
	"github.com/boxoffice/boxoffice/internal/payment"
	"github.com/boxoffice/boxoffice/internal/queue"
	"github.com/boxoffice/boxoffice/internal/store"
	"github.com/boxoffice/boxoffice/internal/store/postgres"
	"github.com/boxoffice/boxoffice/internal/store/sqlite"
	"github.com/boxoffice/boxoffice/internal/telemetry"
	"github.com/boxoffice/boxoffice/internal/wallet"
	"github.com/boxoffice/boxoffice/internal/web"
)

// Engine is everything the service needs from a store engine.
type Engine interface {
	account.Store
	catalog.Store
	booking.Store
	idempotency.Store
	notify.Outbox
	notify.Mailbox
	notify.AdminStore
	queue.Store
	Setting(ctx context.Context, name string, make func() string) (string, error)
	// PaymentLedger is where the built-in payment sandbox keeps its books:
	// tables of its own in the shared database, so that every instance
	// sees one provider, as every instance sees one Stripe.
	PaymentLedger() payment.Ledger
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
	// Getenv reads the standard OTEL_* variables (tracing is on when an
	// OTLP endpoint is set) and BOXOFFICE_DEBUG_TOKEN; nil reads nothing.
	Getenv func(string) string
	// SMTPTLS replaces the TLS settings of the mail transport (tests trust
	// their own server's certificate with it).
	SMTPTLS *tls.Config
	// TracerProvider replaces the one OTEL_* would make (tests record spans
	// in memory with it).
	TracerProvider trace.TracerProvider
	// NoTelemetry builds the instance without any instrumentation: no
	// metrics, traces or store decorators. Only the instrumentation
	// overhead benchmark wants that.
	NoTelemetry bool
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
	Queue    *queue.Service
	Payments payment.Provider
	// Wallet makes the tickets' Apple and Google Wallet passes.
	Wallet *wallet.Service
	// Deliverer is the outbox job's sender (tests run it by hand).
	Deliverer notify.Deliverer
	// Telemetry holds the instance's metrics registry and tracer; nil with
	// Options.NoTelemetry.
	Telemetry *telemetry.Telemetry
	Handler   http.Handler
	// Web is the web site; Handler sends it every path outside the API.
	Web  *web.Server
	api  *httpapi.Server
	jobs jobs.Runner
	// stopTracing flushes buffered spans at Close.
	stopTracing func(context.Context) error
	debugToken  string
}

// NewLogger builds the slog logger a Config asks for. Records logged with
// a request's context carry its trace_id and span_id.
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	o := &slog.HandlerOptions{Level: cfg.Level()}
	if cfg.LogFormat == "text" {
		return slog.New(telemetry.LogHandler(slog.NewTextHandler(w, o)))
	}
	return slog.New(telemetry.LogHandler(slog.NewJSONHandler(w, o)))
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
	if o.Hasher == nil {
		o.Hasher = account.NewHasher(2)
	}
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	stopTracing := func(context.Context) error { return nil }
	if o.TracerProvider == nil && !o.NoTelemetry {
		tp, stop, err := telemetry.TracerProviderFromEnv(ctx, o.Getenv)
		if err != nil {
			return nil, err
		}
		o.TracerProvider, stopTracing = tp, stop
	}
	// Failpoints come from the environment only, never from a flag or a
	// config file, and a process that has any says so before anything else.
	fails, err := failpoint.Parse(o.Getenv(failpoint.EnvVar), failpoint.Options{Log: o.Log})
	if err != nil {
		_ = stopTracing(ctx)
		return nil, err
	}
	if fails.Armed() {
		o.Log.Error("FAILPOINTS ARMED: this process will kill itself on purpose; for crash tests only, never in production",
			"env", failpoint.EnvVar, "failpoints", fails.String())
	}
	st, err := OpenEngine(ctx, cfg)
	if err != nil {
		_ = stopTracing(ctx)
		return nil, err
	}
	if o.Payments == nil {
		if o.Payments, err = newProvider(cfg, o, st); err != nil {
			st.Close()
			_ = stopTracing(ctx)
			return nil, err
		}
	}
	a := &App{Config: cfg, Log: o.Log, Clock: o.Clock, Store: st, Payments: o.Payments, stopTracing: stopTracing,
		debugToken: o.Getenv("BOXOFFICE_DEBUG_TOKEN")}
	// Telemetry decorates what the services are given: the store interfaces
	// they declare and the payment provider. Business code only tells an
	// Observer what happened.
	var (
		accounts account.Store     = st
		catalogs catalog.Store     = st
		bookings booking.Store     = st
		keys     idempotency.Store = st
		outbox   notify.Outbox     = st
		payments                   = o.Payments
		observer booking.Observer
		jobObs   jobs.Observer
	)
	if !o.NoTelemetry {
		t := telemetry.New(telemetry.Options{TracerProvider: o.TracerProvider, Log: o.Log, DBSystem: dbSystem(cfg)})
		a.Telemetry, observer, jobObs = t, t, t
		accounts, catalogs, bookings, keys, outbox = t.AccountStore(st), t.CatalogStore(st), t.BookingStore(st), t.IdempotencyStore(st), t.Outbox(st)
		payments = t.Payments(o.Payments)
		t.RegisterStats(statsSource(st, o.Clock))
	}
	key, err := sharedKey(ctx, st, "barcode_key")
	if err != nil {
		st.Close()
		return nil, err
	}
	a.Accounts = account.NewService(accounts, o.Hasher, o.Clock)
	a.Catalog = catalog.NewService(catalogs, o.Clock)
	qk, err := sharedKey(ctx, st, "queue_key")
	if err != nil {
		st.Close()
		return nil, err
	}
	signals := queue.NewSignals(o.Clock.Now)
	qopts := queue.Options{Key: qk, Log: o.Log, Signals: signals, PassTTL: cfg.QueuePassTTL}
	if a.Telemetry != nil {
		qopts.Observer = a.Telemetry.Queue()
	}
	a.Queue = queue.NewService(st, a.Catalog, o.Clock, qopts)
	if a.Telemetry != nil {
		a.Telemetry.QueueGauges(a.Queue.Rooms)
	}
	a.Booking = booking.NewService(bookings, payments, o.Clock, booking.Options{HoldTTL: cfg.HoldTTL, Secret: key, Log: o.Log, Observer: observer,
		Gate: a.Queue.Gate(), GroupCommit: groupCommit(cfg, st, a.Telemetry), Failpoints: fails})
	if cfg.AdminEmail != "" && cfg.AdminPassword != "" {
		if err := a.Accounts.EnsureAdmin(ctx, cfg.AdminEmail, cfg.AdminPassword); err != nil {
			st.Close()
			return nil, err
		}
	}
	a.Wallet, err = newWallet(cfg, a.Booking, o.Clock, o.Log)
	if err != nil {
		st.Close()
		return nil, err
	}
	notices := &notify.Admin{Store: st, Clock: o.Clock}
	places, err := gazetteer.Embedded()
	if err != nil {
		st.Close()
		return nil, err
	}
	deps := httpapi.Deps{Accounts: a.Accounts, Catalog: a.Catalog, Booking: a.Booking, Queue: a.Queue, Notify: notices, Idempotency: keys,
		Wallet: a.Wallet, Places: places, Clock: o.Clock, Log: o.Log, Ready: st.Ping, RateLimits: cfg.RateLimits,
		MaxInFlightWrites: cfg.MaxInFlightWrites, OverloadWait: cfg.OverloadWait}
	if a.Telemetry != nil {
		deps.Metrics, deps.Wrap, deps.OnShed = a.Telemetry.Handler(), a.Telemetry.Wrap, a.Telemetry.Shed()
	}
	deps.Observe = observeSignals(signals)
	a.api = httpapi.New(deps)
	a.Handler = a.api
	wk, err := sharedKey(ctx, st, "web_csrf_key")
	if err != nil {
		st.Close()
		return nil, err
	}
	wd := web.Deps{Accounts: a.Accounts, Catalog: a.Catalog, Booking: a.Booking, Queue: a.Queue, Notify: notices, Wallet: a.Wallet, Places: places, Clock: o.Clock, Log: o.Log,
		Secret: wk, Limit: a.api.LimitForm}
	if cfg.Notify.DevMailbox {
		wd.Mailbox = st
	}
	if a.Telemetry != nil {
		wd.Wrap = a.Telemetry.WrapPage
	}
	a.Web, err = web.New(wd)
	if err != nil {
		st.Close()
		return nil, err
	}
	a.Handler = route(a.Handler, a.Web)
	if a.Telemetry != nil {
		a.Handler = a.Telemetry.Middleware(a.Handler)
	}
	deliver, err := a.deliverer(cfg, o, outbox, st)
	if err != nil {
		st.Close()
		return nil, err
	}
	deliver.Failpoints = fails
	a.Deliverer = deliver
	a.jobs = jobs.Runner{Log: o.Log, Observer: jobObs, Jobs: []jobs.Job{
		{Name: "hold_sweeper", Every: time.Second, Run: a.Booking.ExpireHolds},
		{Name: "queue", Every: time.Second, Run: a.Queue.Tick},
		{Name: "outbox", Every: time.Second, Run: deliver.Deliver},
		{Name: "reconcile", Every: min(15*time.Second, max(cfg.ReconcileGrace/4, time.Second)), Run: func(ctx context.Context) (int, error) {
			return a.Booking.ReconcilePending(ctx, cfg.ReconcileGrace)
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

// APIRoutes lists the API's route patterns (see httpapi.Server.Routes).
func (a *App) APIRoutes() []string { return a.api.Routes() }

// serveDebug serves /debug/pprof on --debug-addr, a listener of its own
// that never carries the API, for admins only (see telemetry.DebugHandler).
func (a *App) serveDebug() (stop func(), err error) {
	ln, err := net.Listen("tcp", a.Config.DebugAddr)
	if err != nil {
		return nil, fmt.Errorf("--debug-addr: %w", err)
	}
	isAdmin := func(ctx context.Context, token string) bool {
		u, err := a.Accounts.Authenticate(ctx, token)
		return err == nil && u.IsAdmin()
	}
	srv := &http.Server{Handler: telemetry.DebugHandler(a.debugToken, isAdmin), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
	a.Log.Info("debug listener: /debug/pprof/ for admins", "addr", ln.Addr().String(), "debug_token_set", a.debugToken != "")
	go func() { _ = srv.Serve(ln) }()
	return func() { _ = srv.Close() }, nil
}

// sharedKey returns the signing key stored under name, making a random
// 32-byte one the first time: every instance on the database then signs
// with the same key.
func sharedKey(ctx context.Context, st Engine, name string) ([]byte, error) {
	v, err := st.Setting(ctx, name, func() string { return hex.EncodeToString(ids.Secret(32)) })
	if err != nil {
		return nil, fmt.Errorf("setting %s: %w", name, err)
	}
	return hex.DecodeString(v)
}

// dbSystem names the engine on database spans, as OpenTelemetry's
// db.system.name does.
func dbSystem(cfg config.Config) string {
	if engine, _, err := store.ParseURL(cfg.Database); err == nil && engine == store.Postgres {
		return "postgresql"
	}
	return "sqlite"
}

// statsSource tells the scrape-time collector where to read the figures:
// the contracts every engine has, plus what this engine can say about its
// pools, outbox and holds.
func statsSource(st Engine, clk clock.Clock) telemetry.StatsSource {
	src := telemetry.StatsSource{Catalog: st, Booking: st, Now: clk.Now}
	switch e := st.(type) {
	case interface {
		Stats() (writer, readers sql.DBStats)
	}: // SQLite: one writer connection, a pool of readers
		src.Pools = func() []telemetry.PoolStats {
			w, r := e.Stats()
			return []telemetry.PoolStats{telemetry.PoolStatsOf("writer", w), telemetry.PoolStatsOf("readers", r)}
		}
	case interface{ Stats() *pgxpool.Stat }: // PostgreSQL
		src.Pools = func() []telemetry.PoolStats {
			s := e.Stats()
			return []telemetry.PoolStats{{Pool: "primary", Max: int(s.MaxConns()), InUse: int(s.AcquiredConns()), Idle: int(s.IdleConns()),
				WaitCount: s.EmptyAcquireCount(), WaitDuration: s.EmptyAcquireWaitTime()}}
		}
	case interface{ Stats() sql.DBStats }:
		src.Pools = func() []telemetry.PoolStats {
			return []telemetry.PoolStats{telemetry.PoolStatsOf("primary", e.Stats())}
		}
	case interface{ PoolStats() []telemetry.PoolStats }:
		src.Pools = e.PoolStats
	}
	if e, ok := st.(interface {
		OutboxBacklog(ctx context.Context, now time.Time) (notify.Backlog, error)
	}); ok {
		src.OutboxBacklog = e.OutboxBacklog
	}
	if e, ok := st.(interface {
		ActiveHolds(ctx context.Context, eventID string, now time.Time) (int, error)
	}); ok {
		src.ActiveHolds = e.ActiveHolds
	}
	return src
}
