// Package telemetry is how operators see Boxoffice: the four golden signals
// (latency, traffic, errors, saturation) and the on-sale figures as
// Prometheus metrics, one structured log line per request with its trace
// id, and OpenTelemetry traces.
//
// Everything here decorates: the HTTP handler (Middleware, Wrap), the store
// interfaces the domain packages declare (BookingStore, CatalogStore, …) and
// the payment provider (Payments). Business code never calls a tracer; it
// only tells a booking.Observer what happened.
//
// The registry belongs to the instance, never the global default, so tests
// can run many instances in one process.
package telemetry

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// instrumentationName names the tracer, as OpenTelemetry asks: the
// instrumenting package.
const instrumentationName = "github.com/boxoffice/boxoffice/internal/telemetry"

// Options configure an instance's telemetry.
type Options struct {
	// TracerProvider makes the spans. Nil turns tracing off: no span is
	// started and nothing is exported, but an incoming traceparent is still
	// passed through to the logs and the response, so a caller's trace id
	// can be followed even here.
	TracerProvider trace.TracerProvider
	// Log receives the collectors' own failures (a store that cannot be
	// read at scrape time); nil discards them.
	Log *slog.Logger
	// DBSystem names the store engine on database spans ("sqlite",
	// "postgresql").
	DBSystem string
}

// Telemetry is one instance's instruments.
type Telemetry struct {
	// Registry holds every metric of the instance: Go runtime, process and
	// Boxoffice's own.
	Registry *prometheus.Registry
	m        *instruments
	log      *slog.Logger
	tracer   trace.Tracer // nil when tracing is off
	prop     propagation.TextMapPropagator
	dbSystem string
	ops      dbOps
}

// New makes a registry with the Go runtime and process collectors and the
// service's own instruments.
func New(o Options) *Telemetry {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Only W3C trace context crosses the edge: baggage from an untrusted
	// client has no use here.
	t := &Telemetry{Registry: reg, m: newInstruments(reg), log: o.Log, prop: propagation.TraceContext{}, dbSystem: o.DBSystem}
	if o.TracerProvider != nil {
		t.tracer = o.TracerProvider.Tracer(instrumentationName)
	}
	return t
}

// Tracing reports whether spans are made.
func (t *Telemetry) Tracing() bool { return t.tracer != nil }

// Handler serves the registry in the Prometheus text format.
func (t *Telemetry) Handler() http.Handler {
	return promhttp.HandlerFor(t.Registry, promhttp.HandlerOpts{Registry: t.Registry, ErrorLog: slog.NewLogLogger(t.log.Handler(), slog.LevelWarn)})
}

// start begins a child span when tracing is on. The returned span is nil
// when it is off, so callers pay nothing but this branch. Attributes known
// at the start are given here, in one go: cheaper than setting them after.
func (t *Telemetry) start(ctx context.Context, name string, kind trace.SpanKind, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	if t.tracer == nil {
		return ctx, nil
	}
	return t.tracer.Start(ctx, name, trace.WithSpanKind(kind), trace.WithAttributes(attrs...))
}
