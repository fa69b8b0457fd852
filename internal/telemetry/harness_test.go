package telemetry_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apitest"
	"github.com/boxoffice/boxoffice/internal/app"
	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/config"
	"github.com/boxoffice/boxoffice/internal/payment"
)

const (
	adminEmail    = "root@example.com"
	adminPassword = "root-password-7Qx"
)

// instance is a real Boxoffice on a temporary SQLite file behind a real
// HTTP server, with a fake clock, the fake payment provider, its log
// captured and, when asked, its spans recorded in memory.
type instance struct {
	app   *app.App
	url   string
	c     *apitest.Client
	clock *clock.Fake
	pay   *payment.Fake
	logs  *syncBuffer
	spans *tracetest.InMemoryExporter // nil without tracing
	admin string
}

func start(t testing.TB, tracing bool) *instance {
	t.Helper()
	cfg := config.Defaults()
	cfg.Database = "sqlite:" + filepath.Join(t.TempDir(), "telemetry.db")
	cfg.AdminEmail, cfg.AdminPassword = adminEmail, adminPassword
	cfg.LogLevel = "debug"
	in := &instance{clock: clock.NewFake(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)), logs: &syncBuffer{}}
	in.pay = payment.NewFake(payment.FakeOptions{Now: in.clock.Now})
	o := app.Options{Clock: in.clock, Payments: in.pay, Hasher: account.NewTestHasher(), Log: app.NewLogger(cfg, in.logs)}
	if tracing {
		in.spans = tracetest.NewInMemoryExporter()
		o.TracerProvider = sdktrace.NewTracerProvider(sdktrace.WithSyncer(in.spans))
	}
	a, err := app.New(context.Background(), cfg, o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() { srv.Close(); a.Close() })
	in.app, in.url, in.c = a, srv.URL, apitest.NewClient(t, srv.URL)
	in.admin = in.login(t, adminEmail, adminPassword)
	return in
}

func (in *instance) login(t testing.TB, email, password string) string {
	t.Helper()
	var auth struct{ Token string }
	in.c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"email": email, "password": password}}).JSON(t, &auth)
	return auth.Token
}

func (in *instance) register(t testing.TB, email, password string) string {
	t.Helper()
	var auth struct{ Token string }
	in.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/auth/register",
		Body: map[string]string{"email": email, "password": password, "name": "Buyer"}}).JSON(t, &auth)
	return auth.Token
}

// event makes a venue with one row of seats and a general-admission floor
// and an event on sale now; it returns the event id and the row's seat ids.
func (in *instance) event(t testing.TB, seats, ga int) (string, []string) {
	t.Helper()
	var v struct{ Venue struct{ ID string } }
	in.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/venues", Token: in.admin, Body: map[string]any{
		"name": "Test Hall", "lat": 40.7, "lon": -74, "timezone": "America/New_York",
		"sections": []any{map[string]any{"name": "A", "rows": []any{map[string]any{"name": "1", "seats": seats}}},
			map[string]any{"name": "Floor", "general_admission": true, "capacity": ga}}}}).JSON(t, &v)
	now := in.clock.Now()
	var e struct{ Event struct{ ID string } }
	in.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events", Token: in.admin, Body: map[string]any{
		"venue_id": v.Venue.ID, "name": "Test Show", "category": "concert", "starts_at": now.Add(72 * time.Hour),
		"onsale_at": now.Add(-time.Hour), "max_tickets_per_user": 8, "default_price_cents": 2500,
		"service_fee_cents": 475, "order_fee_cents": 395}}).JSON(t, &e)
	var m struct {
		Sections []struct {
			Rows []struct{ Seats []struct{ ID string } }
		}
	}
	in.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/events/" + e.Event.ID + "/seats"}).JSON(t, &m)
	var ids []string
	for _, s := range m.Sections {
		for _, r := range s.Rows {
			for _, st := range r.Seats {
				ids = append(ids, st.ID)
			}
		}
	}
	return e.Event.ID, ids
}

// scrape reads /metrics over HTTP and parses the text format.
func (in *instance) scrape(t testing.TB) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(in.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value finds the sample of family name whose labels include want; for a
// histogram it is the sample count. It fails the test when there is none.
func value(t testing.TB, fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	v, ok := lookup(fams, name, want)
	if !ok {
		t.Fatalf("no %s%v in /metrics", name, want)
	}
	return v
}

// sum adds every sample of family name whose labels include want.
func sum(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	var total float64
	f := fams[name]
	if f == nil {
		return 0
	}
	for _, m := range f.Metric {
		if matches(m, want) {
			total += sampleValue(m)
		}
	}
	return total
}

func lookup(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
	for _, m := range f.Metric {
		if matches(m, want) {
			return sampleValue(m), true
		}
	}
	return 0, false
}

func matches(m *dto.Metric, want map[string]string) bool {
	got := map[string]string{}
	for _, l := range m.Label {
		got[l.GetName()] = l.GetValue()
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func sampleValue(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	}
	return 0
}

// syncBuffer is a log sink many request goroutines may write at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }
