package httpapi_test

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apitest"
	"github.com/boxoffice/boxoffice/internal/app"
	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/config"
	"github.com/boxoffice/boxoffice/internal/payment"
)

// harness is a real instance on a temporary SQLite file behind a real
// HTTP server, with a fake clock and the fake payment provider.
type harness struct {
	app   *app.App
	c     *apitest.Client
	clock *clock.Fake
	pay   *payment.Fake
	admin string
}

func newHarness(t testing.TB, tweaks ...func(*config.Config)) *harness {
	t.Helper()
	return newHarnessWith(t, harnessOptions{}, tweaks...)
}

// harnessOptions are the app.Options a test may change.
type harnessOptions struct {
	smtpTLS *tls.Config
	log     *slog.Logger
	// payLatency is the fake provider's network time; wrapPay, when set,
	// puts something between the app and the fake.
	payLatency time.Duration
	wrapPay    func(payment.Provider) payment.Provider
}

func newHarnessWith(t testing.TB, ho harnessOptions, tweaks ...func(*config.Config)) *harness {
	t.Helper()
	cfg := config.Defaults()
	cfg.Database = "sqlite:" + filepath.Join(t.TempDir(), "api.db")
	cfg.AdminEmail, cfg.AdminPassword = "root@example.com", "root-password"
	for _, tweak := range tweaks {
		tweak(&cfg)
	}
	clk := clock.NewFake(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	pay := payment.NewFake(payment.FakeOptions{Now: clk.Now, Latency: ho.payLatency})
	var provider payment.Provider = pay
	if ho.wrapPay != nil {
		provider = ho.wrapPay(pay)
	}
	a, err := app.New(context.Background(), cfg, app.Options{Clock: clk, Payments: provider, Hasher: account.NewTestHasher(),
		SMTPTLS: ho.smtpTLS, Log: ho.log})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() { srv.Close(); a.Close() })
	h := &harness{app: a, c: apitest.NewClient(t, srv.URL), clock: clk, pay: pay}
	var auth struct{ Token string }
	h.c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"email": cfg.AdminEmail, "password": cfg.AdminPassword}}).JSON(t, &auth)
	h.admin = auth.Token
	return h
}

var userSeq = make(chan int, 1)

func init() { userSeq <- 0 }

// buyer registers a new customer and returns its token.
func (h *harness) buyer(t testing.TB) string {
	t.Helper()
	n := <-userSeq
	userSeq <- n + 1
	var auth struct{ Token string }
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/auth/register",
		Body: map[string]string{"email": "buyer" + itoa(n) + "@example.com", "password": "password-" + itoa(n), "name": "Buyer"}}).JSON(t, &auth)
	return auth.Token
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}

// event creates a venue with one reserved section (rows of seats) and a GA
// floor, and an event on sale now; it returns the event id.
func (h *harness) event(t testing.TB, rows, seats, ga int) string {
	t.Helper()
	var rs []any
	for i := 1; i <= rows; i++ {
		rs = append(rs, map[string]any{"name": itoa(i), "seats": seats})
	}
	var v struct{ Venue struct{ ID string } }
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/venues", Token: h.admin, Body: map[string]any{
		"name": "Test Hall", "lat": 40.7, "lon": -74, "timezone": "America/New_York",
		"sections": []any{map[string]any{"name": "A", "rows": rs}, map[string]any{"name": "Floor", "general_admission": true, "capacity": ga}}}}).JSON(t, &v)
	now := h.clock.Now()
	var e struct{ Event struct{ ID string } }
	h.c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events", Token: h.admin, Body: map[string]any{
		"venue_id": v.Venue.ID, "name": "Test Show", "category": "concert", "starts_at": now.Add(72 * time.Hour),
		"onsale_at": now.Add(-time.Hour), "max_tickets_per_user": 8, "default_price_cents": 2500,
		"service_fee_cents": 475, "order_fee_cents": 395}}).JSON(t, &e)
	return e.Event.ID
}

type counts struct{ Capacity, Available, Held, Sold, Orders int }

func (h *harness) sales(t *testing.T, eventID string) counts {
	t.Helper()
	var c counts
	h.c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/admin/events/" + eventID + "/sales", Token: h.admin}).JSON(t, &c)
	if c.Available+c.Held+c.Sold != c.Capacity {
		t.Fatalf("available %d + held %d + sold %d != capacity %d", c.Available, c.Held, c.Sold, c.Capacity)
	}
	return c
}
