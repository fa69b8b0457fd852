package telemetry

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/httpapi"
	"github.com/boxoffice/boxoffice/internal/payment"
)

// Payments times and traces a payment.Provider: one client span and one
// boxoffice_payment_request_duration_seconds observation per call, and
// boxoffice_payment_requests_total by outcome, so that a provider outage
// shows as failures while declined cards stay expected. The span carries
// the order id (the idempotency key) and the event id, never the card
// token.
func (t *Telemetry) Payments(p payment.Provider) payment.Provider {
	op := func(name string) payOp {
		return payOp{name: "payment." + name, time: t.m.payTime.WithLabelValues(name), results: t.m.payResults.MustCurryWith(prometheus.Labels{"op": name})}
	}
	return &payments{Provider: p, t: t, charge: op("charge"), refund: op("refund"), lookup: op("lookup")}
}

type payOp struct {
	name    string
	time    prometheus.Observer
	results *prometheus.CounterVec
}

type payments struct {
	payment.Provider
	t                      *Telemetry
	charge, refund, lookup payOp
}

// Payment outcomes. Only outcomeFailure is the provider (or the network to
// it) failing; the others are answers.
const (
	outcomeOK       = "ok"
	outcomeDeclined = "declined"
	outcomeInvalid  = "invalid"
	outcomeNotFound = "not_found"
	outcomeNoCharge = "no_charge"
	outcomeFailure  = "failure"
)

func payOutcome(err error) string {
	switch {
	case err == nil:
		return outcomeOK
	case errors.Is(err, payment.ErrNoCharge):
		return outcomeNoCharge
	case apperr.Is(err, apperr.PaymentDeclined):
		return outcomeDeclined
	case apperr.Is(err, apperr.Invalid):
		return outcomeInvalid
	case apperr.Is(err, apperr.NotFound):
		return outcomeNotFound
	default:
		return outcomeFailure
	}
}

func (p *payments) call(ctx context.Context, op payOp, orderID, eventID string, f func(context.Context) error) {
	var span trace.Span
	if p.t.tracer != nil {
		attrs := []attribute.KeyValue{attribute.String("payment.provider", p.Name()), attrRequestID.String(httpapi.RequestID(ctx))}
		if orderID != "" {
			attrs = append(attrs, attribute.String("boxoffice.order_id", orderID))
		}
		if eventID != "" {
			attrs = append(attrs, attrEventID.String(eventID))
		}
		ctx, span = p.t.start(ctx, op.name, trace.SpanKindClient, attrs...)
	}
	start := time.Now()
	err := f(ctx)
	op.time.Observe(time.Since(start).Seconds())
	outcome := payOutcome(err)
	op.results.WithLabelValues(outcome).Inc()
	if span != nil {
		span.SetAttributes(attribute.String("payment.outcome", outcome))
		endSpan(span, err, outcome == outcomeFailure)
	}
}

func (p *payments) Charge(ctx context.Context, req payment.ChargeRequest) (payment.Charge, error) {
	var c payment.Charge
	var err error
	p.call(ctx, p.charge, req.IdempotencyKey, req.Metadata["event_id"], func(ctx context.Context) error {
		c, err = p.Provider.Charge(ctx, req)
		return err
	})
	return c, err
}

func (p *payments) Refund(ctx context.Context, req payment.RefundRequest) (payment.Refund, error) {
	var r payment.Refund
	var err error
	p.call(ctx, p.refund, "", "", func(ctx context.Context) error {
		r, err = p.Provider.Refund(ctx, req)
		return err
	})
	return r, err
}

func (p *payments) Lookup(ctx context.Context, idempotencyKey string) (payment.Charge, error) {
	var c payment.Charge
	var err error
	p.call(ctx, p.lookup, idempotencyKey, "", func(ctx context.Context) error {
		c, err = p.Provider.Lookup(ctx, idempotencyKey)
		return err
	})
	return c, err
}
