package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/app"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/config"
	"github.com/boxoffice/boxoffice/internal/telemetry"
)

// BenchmarkHoldPath measures what instrumentation costs on the hot path of
// an on-sale: place a hold of two general-admission places and release it,
// through the real handler (routing, authentication, the store
// transaction, the JSON), with
//
//   - off: an instance built without any telemetry (app.Options.NoTelemetry);
//   - metrics: the default, metrics and logs on, tracing off;
//   - sampled: metrics plus tracing with one request in ten sampled
//     (OTEL_TRACES_SAMPLER=parentbased_traceidratio, ARG 0.1), the spans
//     going through a batch span processor into an exporter that drops them;
//   - tracing: the same with every request sampled.
//
// The request log goes to io.Discard in all three. docs/performance.md has
// the command and the figures.
func BenchmarkHoldPath(b *testing.B) {
	for _, mode := range []string{"off", "metrics", "sampled", "tracing"} {
		b.Run(mode, func(b *testing.B) {
			h, eventID, token := benchInstance(b, mode)
			hold := []byte(`{"section":"Floor","quantity":2}`)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				code, body := call(h, "POST", "/api/v1/events/"+eventID+"/holds", token, hold)
				if code != 201 {
					b.Fatalf("hold: %d %s", code, body)
				}
				var r struct{ Hold struct{ ID string } }
				_ = json.Unmarshal(body, &r)
				if code, body := call(h, "DELETE", "/api/v1/holds/"+r.Hold.ID, token, nil); code != 204 {
					b.Fatalf("release: %d %s", code, body)
				}
			}
		})
	}
}

// BenchmarkHoldPathOverhead runs the instances of BenchmarkHoldPath
// side by side, one hold-and-release on each per iteration in rotating
// order, so that whatever else the machine is doing weighs on all of them
// alike; it reports each one's time per hold-and-release and the overhead
// of each mode over none in percent. This is the figure of
// docs/performance.md: on a shared machine, separate runs differ by more
// than the few microseconds instrumentation costs.
func BenchmarkHoldPathOverhead(b *testing.B) {
	modes := []string{"off", "metrics", "sampled", "tracing"}
	type inst struct {
		h            http.Handler
		event, token string
		spent        time.Duration
	}
	insts := make([]*inst, len(modes))
	for i, m := range modes {
		h, eventID, token := benchInstance(b, m)
		insts[i] = &inst{h: h, event: eventID, token: token}
	}
	hold := []byte(`{"section":"Floor","quantity":2}`)
	once := func(in *inst) {
		start := time.Now()
		code, body := call(in.h, "POST", "/api/v1/events/"+in.event+"/holds", in.token, hold)
		if code != 201 {
			b.Fatalf("hold: %d %s", code, body)
		}
		var r struct{ Hold struct{ ID string } }
		_ = json.Unmarshal(body, &r)
		if code, body := call(in.h, "DELETE", "/api/v1/holds/"+r.Hold.ID, in.token, nil); code != 204 {
			b.Fatalf("release: %d %s", code, body)
		}
		in.spent += time.Since(start)
	}
	n := 0
	for b.Loop() {
		for k := range insts {
			once(insts[(n+k)%len(insts)])
		}
		n++
	}
	off := float64(insts[0].spent) / float64(n)
	for i, m := range modes {
		per := float64(insts[i].spent) / float64(n)
		b.ReportMetric(per, m+"-ns/op")
		if i > 0 {
			b.ReportMetric(100*(per-off)/off, m+"-overhead-%")
		}
	}
	b.ReportMetric(0, "ns/op")
}

func benchInstance(b *testing.B, mode string) (http.Handler, string, string) {
	b.Helper()
	cfg := config.Defaults()
	cfg.Database = "sqlite:" + filepath.Join(b.TempDir(), "bench.db")
	cfg.AdminEmail, cfg.AdminPassword = adminEmail, adminPassword
	clk := clock.NewFake(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	o := app.Options{Clock: clk, Hasher: account.NewTestHasher(), Log: app.NewLogger(cfg, io.Discard)}
	switch mode {
	case "off":
		o.NoTelemetry = true
	case "tracing", "sampled":
		sampler := sdktrace.AlwaysSample()
		if mode == "sampled" {
			sampler = sdktrace.ParentBased(sdktrace.TraceIDRatioBased(0.1))
		}
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()), sdktrace.WithSampler(sampler))
		b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		o.TracerProvider = tp
	}
	a, err := app.New(context.Background(), cfg, o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	h := a.Handler
	must := func(want int, method, path, token string, body any) []byte {
		raw, _ := json.Marshal(body)
		code, resp := call(h, method, path, token, raw)
		if code != want {
			b.Fatalf("%s %s: %d %s", method, path, code, resp)
		}
		return resp
	}
	var auth struct{ Token string }
	_ = json.Unmarshal(must(200, "POST", "/api/v1/auth/login", "", map[string]string{"email": adminEmail, "password": adminPassword}), &auth)
	admin := auth.Token
	var v struct{ Venue struct{ ID string } }
	_ = json.Unmarshal(must(201, "POST", "/api/v1/venues", admin, map[string]any{
		"name": "Bench Arena", "lat": 40.7, "lon": -74, "timezone": "America/New_York",
		"sections": []any{map[string]any{"name": "Floor", "general_admission": true, "capacity": 5000}}}), &v)
	var e struct{ Event struct{ ID string } }
	_ = json.Unmarshal(must(201, "POST", "/api/v1/events", admin, map[string]any{
		"venue_id": v.Venue.ID, "name": "Bench Show", "category": "concert", "starts_at": clk.Now().Add(72 * time.Hour),
		"onsale_at": clk.Now().Add(-time.Hour), "max_tickets_per_user": 8, "default_price_cents": 2500}), &e)
	_ = json.Unmarshal(must(201, "POST", "/api/v1/auth/register", "", map[string]string{"email": "bench@example.com", "password": "bench-password", "name": "Bench"}), &auth)
	return h, e.Event.ID, auth.Token
}

func call(h http.Handler, method, path, token string, body []byte) (int, []byte) {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code, w.Body.Bytes()
}

// BenchmarkInstrumentation measures the instruments alone, without the
// database, where a shared machine's noise cannot hide them: one API
// request through Middleware and Wrap around a handler that does nothing,
// and one store call through the BookingStore decorator, each bare, with
// metrics, and with every span recorded.
func BenchmarkInstrumentation(b *testing.B) {
	const pattern = "POST /api/v1/events/{id}/holds"
	noop := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	for _, mode := range []string{"bare", "metrics", "tracing"} {
		var h http.Handler = noop
		var st booking.Store = countStore{}
		if mode != "bare" {
			o := telemetry.Options{}
			if mode == "tracing" {
				tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()))
				b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
				o.TracerProvider = tp
			}
			tel := telemetry.New(o)
			mux := http.NewServeMux()
			mux.Handle(pattern, tel.Wrap(pattern, noop))
			h, st = tel.Middleware(mux), tel.BookingStore(countStore{})
		} else {
			mux := http.NewServeMux()
			mux.Handle(pattern, noop)
			h = mux
		}
		b.Run("request/"+mode, func(b *testing.B) {
			b.ReportAllocs()
			req := httptest.NewRequest("POST", "/api/v1/events/evt1/holds", nil)
			for b.Loop() {
				h.ServeHTTP(discardWriter{}, req)
			}
		})
		b.Run("store/"+mode, func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			for b.Loop() {
				_, _ = st.SeatCounts(ctx, "evt1", time.Time{})
			}
		})
	}
}

// countStore answers SeatCounts at once.
type countStore struct{ booking.Store }

func (countStore) SeatCounts(context.Context, string, time.Time) (booking.SeatCounts, error) {
	return booking.SeatCounts{Capacity: 10}, nil
}

// discardWriter is a ResponseWriter that keeps nothing.
type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (discardWriter) WriteHeader(int)             {}
