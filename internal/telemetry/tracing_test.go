package telemetry_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/boxoffice/boxoffice/internal/apitest"
	"github.com/boxoffice/boxoffice/internal/telemetry"
)

// requestLine finds the one log line of the request with id requestID.
func requestLine(t *testing.T, logs, requestID string) map[string]any {
	t.Helper()
	var found map[string]any
	for _, line := range strings.Split(logs, "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != "request" || rec["request_id"] != requestID {
			continue
		}
		if found != nil {
			t.Fatalf("two request lines for %s", requestID)
		}
		found = rec
	}
	if found == nil {
		t.Fatalf("no request line for %s in:\n%s", requestID, logs)
	}
	return found
}

// traceIDOf reads the trace id of a traceparent header.
func traceIDOf(t *testing.T, traceparent string) string {
	t.Helper()
	parts := strings.Split(traceparent, "-")
	if len(parts) != 4 || len(parts[1]) != 32 {
		t.Fatalf("traceparent %q", traceparent)
	}
	return parts[1]
}

func attr(s tracetest.SpanStub, key attribute.Key) string {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			return kv.Value.Emit()
		}
	}
	return ""
}

func spansOf(in *instance, traceID string) []tracetest.SpanStub {
	var out []tracetest.SpanStub
	for _, s := range in.spans.GetSpans() {
		if s.SpanContext.TraceID().String() == traceID {
			out = append(out, s)
		}
	}
	return out
}

// TestTraceIDInLogAndSpans follows one hold and one checkout: the response
// headers, the request's log line and every span of the request carry the
// same trace id, and the spans name the request and the event.
func TestTraceIDInLogAndSpans(t *testing.T) {
	t.Parallel()
	in := start(t, true)
	eventID, seats := in.event(t, 4, 10)
	buyer := in.register(t, "carol@example.com", "carol-secret-pw")

	r := in.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + eventID + "/holds", Token: buyer,
		Body: map[string]any{"seat_ids": seats[:2]}})
	var h struct{ Hold struct{ ID string } }
	r.JSON(t, &h)
	traceID, reqID := traceIDOf(t, r.Header.Get("Traceparent")), r.Header.Get("X-Request-Id")
	if reqID != traceID {
		t.Errorf("a request that starts a trace has request id %q, want its trace id %q", reqID, traceID)
	}
	if line := requestLine(t, in.logs.String(), reqID); line["trace_id"] != traceID || line["route"] != "POST /api/v1/events/{id}/holds" {
		t.Errorf("request line %v, want trace_id %s", line, traceID)
	}
	var server, tx *tracetest.SpanStub
	for _, s := range spansOf(in, traceID) {
		switch {
		case s.SpanKind == trace.SpanKindServer:
			server = &s
		case s.Name == "booking.tx":
			tx = &s
		}
	}
	if server == nil || tx == nil {
		t.Fatalf("spans of the hold: %+v", spansOf(in, traceID))
	}
	if server.Name != "POST /api/v1/events/{id}/holds" || attr(*server, "boxoffice.request_id") != reqID ||
		attr(*server, "boxoffice.event_id") != eventID || attr(*server, "http.response.status_code") != "201" {
		t.Errorf("server span %s %v", server.Name, server.Attributes)
	}
	if tx.Parent.SpanID() != server.SpanContext.SpanID() || attr(*tx, "boxoffice.event_id") != eventID || attr(*tx, "boxoffice.request_id") != reqID {
		t.Errorf("transaction span %v under %v", tx.Attributes, tx.Parent.SpanID())
	}

	// The checkout: its store transactions and the payment call are spans
	// of the same trace, each with the request and the event.
	r = in.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: buyer, Header: map[string]string{"Idempotency-Key": "c1"},
		Body: map[string]any{"hold_id": h.Hold.ID, "payment_token": "tok_visa", "delivery": "mobile"}})
	traceID, reqID = traceIDOf(t, r.Header.Get("Traceparent")), r.Header.Get("X-Request-Id")
	var charge *tracetest.SpanStub
	txs := 0
	for _, s := range spansOf(in, traceID) {
		switch s.Name {
		case "payment.charge":
			charge = &s
		case "booking.tx":
			txs++
			if attr(s, "boxoffice.event_id") != eventID {
				t.Errorf("checkout transaction without the event: %v", s.Attributes)
			}
		}
	}
	if charge == nil || txs < 2 {
		t.Fatalf("checkout spans: charge %v, %d transactions", charge, txs)
	}
	if attr(*charge, "boxoffice.event_id") != eventID || attr(*charge, "boxoffice.request_id") != reqID || attr(*charge, "payment.outcome") != "ok" {
		t.Errorf("charge span %v", charge.Attributes)
	}
	for _, kv := range charge.Attributes {
		if strings.Contains(kv.Value.Emit(), "tok_visa") {
			t.Errorf("the charge span holds the card token: %v", kv)
		}
	}
	if line := requestLine(t, in.logs.String(), reqID); line["trace_id"] != traceID {
		t.Errorf("checkout line %v, want trace_id %s", line, traceID)
	}
}

// TestCallerTraceJoined: a request that brings a traceparent joins the
// caller's trace; its own request id stays unique.
func TestCallerTraceJoined(t *testing.T) {
	t.Parallel()
	const caller = "0af7651916cd76f8a5f5f6a3d2c8e1a1"
	for _, tracing := range []bool{true, false} {
		in := start(t, tracing)
		r := in.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/events",
			Header: map[string]string{"traceparent": "00-" + caller + "-b7ad6b7169203331-01"}})
		if got := traceIDOf(t, r.Header.Get("Traceparent")); got != caller {
			t.Errorf("tracing %v: answered trace %s, want the caller's %s", tracing, got, caller)
		}
		reqID := r.Header.Get("X-Request-Id")
		if reqID == "" || reqID == caller {
			t.Errorf("tracing %v: request id %q", tracing, reqID)
		}
		if line := requestLine(t, in.logs.String(), reqID); line["trace_id"] != caller {
			t.Errorf("tracing %v: request line %v", tracing, line)
		}
		if tracing {
			in.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/healthz"})
			for _, s := range in.spans.GetSpans() {
				if s.Name == "GET /healthz" {
					t.Errorf("a health check was traced")
				}
			}
			joined := false
			for _, s := range spansOf(in, caller) {
				joined = joined || (s.SpanKind == trace.SpanKindServer && s.Parent.SpanID().String() == "b7ad6b7169203331")
			}
			if !joined {
				t.Errorf("no server span under the caller's: %+v", spansOf(in, caller))
			}
			continue
		}
		// Off: no trace is made up when the caller brings none.
		if r := in.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/events"}); r.Header.Get("Traceparent") != "" {
			t.Errorf("tracing off answered traceparent %q", r.Header.Get("Traceparent"))
		}
	}
}

func TestTracerProviderFromEnv(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	ctx := context.Background()
	for _, c := range []struct {
		name    string
		getenv  func(string) string
		on, bad bool
	}{
		{"unset", env(), false, false},
		{"endpoint", env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"), true, false},
		{"traces endpoint", env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:4318/v1/traces"), true, false},
		{"disabled", env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318", "OTEL_SDK_DISABLED", "true"), false, false},
		{"grpc", env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317", "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), false, true},
	} {
		tp, shutdown, err := telemetry.TracerProviderFromEnv(ctx, c.getenv)
		if (err != nil) != c.bad || (tp != nil) != c.on {
			t.Errorf("%s: provider %v, err %v", c.name, tp, err)
		}
		if _, ok := tp.(*sdktrace.TracerProvider); c.on && !ok {
			t.Errorf("%s: provider %T", c.name, tp)
		}
		if err := shutdown(ctx); err != nil {
			t.Errorf("%s: shutdown: %v", c.name, err)
		}
	}
}
