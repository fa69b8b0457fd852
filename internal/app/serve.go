package app

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// errDraining is the cause of the request contexts that shutdown cancels
// when the drain timeout runs out.
var errDraining = errors.New("server shutting down: drain timeout reached")

// Serve serves HTTP on ln and runs the background jobs until ctx ends,
// then shuts down within Config.DrainTimeout whatever is still open:
//
//  1. stop accepting, close idle connections, end live seat-map streams
//     (they never go idle) and let requests in flight finish, for most of
//     the drain timeout;
//  2. then cancel the context of every request still running, so that a
//     handler waiting on a locked row, a dead database connection or the
//     payment provider returns (its client gets an error, and a checkout
//     whose charge may have gone through is finished by reconciliation);
//  3. and at the deadline close every connection that is left.
//
// Before this, a request stuck on the database, or a stream opened by a
// client that never reads, kept Shutdown waiting with no bound.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	reqCtx, abort := context.WithCancelCause(context.WithoutCancel(ctx))
	defer abort(nil)
	var inFlight atomic.Int64
	srv := &http.Server{Handler: counting(a.Handler, &inFlight), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
		BaseContext: func(net.Listener) context.Context { return reqCtx }}
	srv.RegisterOnShutdown(a.Web.Shutdown) // live seat maps
	srv.RegisterOnShutdown(a.api.Shutdown) // waiting-room streams
	if a.Config.DebugAddr != "" {
		stop, err := a.serveDebug()
		if err != nil {
			return err
		}
		defer stop()
	}
	stopJobs := func() {}
	if a.Config.Jobs {
		stopJobs = a.jobs.Start(ctx)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		stopJobs()
		return err
	case <-ctx.Done():
	}

	drain := a.Config.DrainTimeout
	if drain <= 0 {
		drain = 20 * time.Second
	}
	started := time.Now()
	deadline := started.Add(drain)
	// The last part of the budget is for handlers to return once their
	// context is cancelled: a quarter of it, at most 2 s.
	grace := min(drain/4, 2*time.Second)
	a.Log.Info("shutting down: draining requests in flight", "in_flight", inFlight.Load(), "drain_timeout", drain)
	jobsDone := make(chan struct{})
	go func() { stopJobs(); close(jobsDone) }() // the jobs' context is already cancelled

	err := shutdownBy(srv, deadline.Add(-grace))
	if err != nil {
		a.Log.Warn("drain timeout: cancelling requests still in flight", "in_flight", inFlight.Load())
		abort(errDraining)
		err = shutdownBy(srv, deadline)
	}
	if err != nil {
		a.Log.Warn("drain timeout: closing connections still open", "in_flight", inFlight.Load())
		_ = srv.Close()
	}
	select {
	case <-jobsDone:
	case <-time.After(time.Until(deadline.Add(grace))):
		a.Log.Warn("a background job did not stop in time; leaving it")
	}
	a.Log.Info("shut down", "took", time.Since(started).Round(time.Millisecond), "in_flight", inFlight.Load())
	return nil
}

// shutdownBy runs srv.Shutdown until deadline; nil means every
// connection was idle and closed by then.
func shutdownBy(srv *http.Server, deadline time.Time) error {
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	return srv.Shutdown(ctx)
}

// counting counts the requests in flight, for the shutdown log.
func counting(h http.Handler, n *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		defer n.Add(-1)
		h.ServeHTTP(w, r)
	})
}

// storeCloseTimeout bounds Close's wait for the store: a PostgreSQL pool
// waits for every connection in use, and a connection a bug never gave
// back must not keep the process from exiting.
const storeCloseTimeout = 5 * time.Second

// Close flushes buffered spans and releases the store, each within a
// bound.
func (a *App) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	errTrace := a.stopTracing(ctx)
	closed := make(chan error, 1)
	go func() { closed <- a.Store.Close() }()
	select {
	case err := <-closed:
		return errors.Join(errTrace, err)
	case <-time.After(storeCloseTimeout):
		a.Log.Error("the store did not close in time: a database connection is still in use; exiting anyway",
			"waited", storeCloseTimeout)
		return errTrace
	}
}
