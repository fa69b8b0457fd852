package telemetry

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/httpapi"
)

// The store decorators of this package (BookingStore, CatalogStore,
// AccountStore, IdempotencyStore, Outbox) embed the interface a domain
// package declares and override its methods with a timed call: a
// boxoffice_db_query_duration_seconds observation labelled by operation
// (a fixed name per method) and, when tracing is on, a client span with the
// request id and, where the call names one, the event id. A method added to
// an interface later passes through the embedded value untimed until it is
// added here.

// dbOp is one store operation's resolved instruments.
type dbOp struct {
	name string
	time prometheus.Observer
	errs prometheus.Counter
}

// dbOps resolves operations' label values once per process.
type dbOps struct {
	mu  sync.Mutex
	ops map[string]*dbOp
}

func (t *Telemetry) dbOp(name string) *dbOp {
	t.ops.mu.Lock()
	defer t.ops.mu.Unlock()
	if t.ops.ops == nil {
		t.ops.ops = map[string]*dbOp{}
	}
	op := t.ops.ops[name]
	if op == nil {
		op = &dbOp{name: name, time: t.m.dbTime.WithLabelValues(name), errs: t.m.dbErrors.WithLabelValues(name)}
		t.ops.ops[name] = op
	}
	return op
}

// storeFailure reports whether a store error is the store failing, rather
// than a rule answering (not found, seats unavailable, e-mail taken) or
// the caller going away.
func storeFailure(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	e, ok := apperr.As(err)
	return !ok || failureCodes[e.Code]
}

// timed runs one store call f as op.
func timed[T any](t *Telemetry, ctx context.Context, op *dbOp, eventID string, f func(context.Context) (T, error)) (T, error) {
	ctx, span := t.startDB(ctx, op, eventID)
	start := time.Now()
	v, err := f(ctx)
	op.time.Observe(time.Since(start).Seconds())
	if storeFailure(err) {
		op.errs.Inc()
	}
	if span != nil {
		endSpan(span, err, storeFailure(err))
	}
	return v, err
}

// timed0 is timed for calls that return only an error.
func timed0(t *Telemetry, ctx context.Context, op *dbOp, eventID string, f func(context.Context) error) error {
	_, err := timed(t, ctx, op, eventID, func(ctx context.Context) (struct{}, error) { return struct{}{}, f(ctx) })
	return err
}

func (t *Telemetry) startDB(ctx context.Context, op *dbOp, eventID string) (context.Context, trace.Span) {
	if t.tracer == nil {
		return ctx, nil
	}
	attrs := make([]attribute.KeyValue, 0, 4)
	attrs = append(attrs, attribute.String("db.system.name", t.dbSystem), attribute.String("db.operation.name", op.name))
	if id := httpapi.RequestID(ctx); id != "" {
		attrs = append(attrs, attrRequestID.String(id))
	}
	if eventID != "" {
		attrs = append(attrs, attrEventID.String(eventID))
	}
	return t.start(ctx, op.name, trace.SpanKindClient, attrs...)
}

// setEvent names the event a call turned out to be about (a hold, an
// order or a ticket read by its own id).
func setEvent(ctx context.Context, eventID string) {
	if span := trace.SpanFromContext(ctx); span.IsRecording() && eventID != "" {
		span.SetAttributes(attrEventID.String(eventID))
	}
}

// endSpan ends a span with the outcome of its call. Only failures mark the
// span as an error; an expected answer (not found, seats unavailable) is
// recorded as its code.
func endSpan(span trace.Span, err error, failure bool) {
	switch {
	case err == nil:
	case failure:
		span.RecordError(err)
		span.SetStatus(codes.Error, string(apperr.CodeOf(err)))
	default:
		span.SetAttributes(attribute.String("error.type", string(apperr.CodeOf(err))))
	}
	span.End()
}

// recording reports whether ctx holds a span that records.
func recording(ctx context.Context) bool { return trace.SpanFromContext(ctx).IsRecording() }
