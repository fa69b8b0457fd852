package telemetry

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/httpapi"
	"github.com/boxoffice/boxoffice/internal/httpx"
	"github.com/boxoffice/boxoffice/internal/web"
)

// Span attribute keys of Boxoffice's own (the others follow OpenTelemetry's
// semantic conventions).
const (
	attrRequestID = attribute.Key("boxoffice.request_id")
	attrEventID   = attribute.Key("boxoffice.event_id")
)

// Middleware is the outermost handler: it joins the caller's trace (W3C
// traceparent) or starts one, and answers with a traceparent header naming
// the server span, so a client, a load balancer and the logs share one
// trace id. When tracing is off it only passes an incoming trace context
// through to the logs and the response, at the cost of a header lookup.
//
// A request that starts a new trace and brings no X-Request-Id of its own
// gets the trace id as its request id: the id a buyer reads in a problem
// document is then the one to search for in the logs and the traces.
func (t *Telemetry) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if r.Header.Get("Traceparent") != "" {
			ctx = t.prop.Extract(ctx, propagation.HeaderCarrier(r.Header))
		}
		if t.tracer == nil || untraced[r.URL.Path] {
			if trace.SpanContextFromContext(ctx).IsValid() {
				t.prop.Inject(ctx, propagation.HeaderCarrier(w.Header()))
				r = r.WithContext(ctx)
			}
			next.ServeHTTP(w, r)
			return
		}
		joined := trace.SpanContextFromContext(ctx).IsValid()
		ctx, span := t.tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("url.path", r.URL.Path)))
		defer span.End()
		t.prop.Inject(ctx, propagation.HeaderCarrier(w.Header()))
		r = r.WithContext(ctx)
		if !joined && r.Header.Get("X-Request-Id") == "" {
			r.Header = r.Header.Clone()
			r.Header.Set("X-Request-Id", span.SpanContext().TraceID().String())
		}
		sw := httpx.NewStatusRecorder(w)
		next.ServeHTTP(sw, r)
		span.SetAttributes(attribute.Int("http.response.status_code", sw.Status()))
		if sw.Status() >= 500 {
			span.SetStatus(codes.Error, http.StatusText(sw.Status()))
		}
	})
}

// untraced are the paths that monitoring calls every few seconds: a span
// for each would bury the buyers' traces.
var untraced = map[string]bool{"/metrics": true, "/healthz": true, "/readyz": true}

// Wrap instruments one route of the API (httpapi.Deps.Wrap): latency,
// traffic and errors by route pattern — never the raw path, so label
// values stay bounded — and the route, request id and event id on the
// server span.
func (t *Telemetry) Wrap(pattern string, h http.Handler) http.Handler {
	return t.wrap(pattern, h, httpapi.RequestID, httpapi.ErrorCode)
}

// WrapPage instruments one route of the web pages (web.Deps.Wrap) as Wrap
// does the API's, into the same metrics: a page's 5xx burns the same
// error budget as the API's.
func (t *Telemetry) WrapPage(pattern string, h http.Handler) http.Handler {
	return t.wrap(pattern, h, web.RequestID, web.ErrorCode)
}

// wrap is Wrap with where the request id and the error code of a request
// are read from: the API and the pages each keep their own.
func (t *Telemetry) wrap(pattern string, h http.Handler, requestID func(context.Context) string,
	errorCode func(context.Context) apperr.Code) http.Handler {
	method, _, _ := strings.Cut(pattern, " ")
	// Observers by status class for the pattern's own method, resolved on
	// first use: the labels of a hot route are not hashed on every request,
	// and a class never answered has no series.
	var byClass [6]atomic.Pointer[prometheus.Observer]
	observer := func(r *http.Request, code int) prometheus.Observer {
		c := code / 100
		if r.Method != method || c < 1 || c > 5 {
			return t.m.requests.WithLabelValues(pattern, methodLabel(r.Method), statusClass(code))
		}
		if o := byClass[c].Load(); o != nil {
			return *o
		}
		o := t.m.requests.WithLabelValues(pattern, method, statusClass(code))
		byClass[c].Store(&o)
		return o
	}
	eventRoute := strings.Contains(pattern, "/events/{id}")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		t.m.inflight.Inc()
		sw := httpx.NewStatusRecorder(w)
		span := trace.SpanFromContext(r.Context())
		if span.IsRecording() {
			span.SetName(pattern)
			if eventRoute {
				span.SetAttributes(attribute.String("http.route", pattern), attrRequestID.String(requestID(r.Context())),
					attrEventID.String(r.PathValue("id")))
			} else {
				span.SetAttributes(attribute.String("http.route", pattern), attrRequestID.String(requestID(r.Context())))
			}
		}
		defer func() {
			t.m.inflight.Dec()
			observer(r, sw.Status()).Observe(time.Since(start).Seconds())
			if sw.Status() >= 400 {
				code := errorCode(r.Context())
				class := Classify(sw.Status(), code)
				t.m.errors.WithLabelValues(pattern, codeLabel(code), class).Inc()
				if span.IsRecording() {
					span.SetAttributes(attribute.String("error.type", codeLabel(code)))
					if class == ClassFailure {
						span.SetStatus(codes.Error, string(code))
					}
				}
			}
		}()
		h.ServeHTTP(sw, r)
	})
}

// methodLabel bounds the method label: a catch-all route (the API's
// /api/v1/, the pages' unmatched) takes any method a client makes up.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
		http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

func statusClass(code int) string {
	switch code / 100 {
	case 1:
		return "1xx"
	case 2:
		return "2xx"
	case 3:
		return "3xx"
	case 4:
		return "4xx"
	case 5:
		return "5xx"
	default:
		return "other"
	}
}
