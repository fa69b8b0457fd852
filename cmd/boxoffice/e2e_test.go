package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apitest"
)

// startServer runs the real `boxoffice serve` in-process on a free port
// against a temporary SQLite file and returns its base URL. The server is
// stopped (and must stop cleanly) when the test ends.
func startServer(t *testing.T, extra ...string) string {
	t.Helper()
	db := "sqlite:" + filepath.Join(t.TempDir(), "e2e.db")
	base, stop, done := serveInProcess(t, db, extra...)
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("serve did not stop cleanly: %v", err)
		}
	})
	return base
}

// serveInProcess runs `boxoffice serve` in this process on database db and
// returns its base URL, a function that stops it (as SIGTERM would) and the
// channel that gets serve's result.
func serveInProcess(t *testing.T, db string, extra ...string) (base string, stop func(), done <-chan error) {
	t.Helper()
	return serveInProcessEnv(t, db, nil, io.Discard, extra...)
}

// serveInProcessEnv is serveInProcess with more environment variables
// (secrets such as TWILIO_AUTH_TOKEN come only from there) and serve's
// stdout, its log, in out (which must take concurrent writes). The
// address it listens on is read from stderr.
func serveInProcessEnv(t *testing.T, db string, more map[string]string, out io.Writer, extra ...string) (base string, stop func(), done <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	env := map[string]string{"BOXOFFICE_ADMIN_EMAIL": "root@example.com", "BOXOFFICE_ADMIN_PASSWORD": "root-password"}
	maps.Copy(env, more)
	pr, pw := io.Pipe()
	result := make(chan error, 1)
	go func() {
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--database", db, "--log-level", "warn"}, extra...)
		result <- run(ctx, args, func(k string) string { return env[k] }, out, pw)
		pw.Close()
	}()
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "Boxoffice is listening on "); ok {
				urls <- u
			}
		}
	}()
	select {
	case u := <-urls:
		return u, cancel, result
	case err := <-result:
		cancel()
		t.Fatalf("serve exited: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("serve did not start in 30s")
	}
	return "", nil, nil
}

type ids struct{ venue, event, addOn, hold, order, ticket, barcode string }

// TestBuyerJourney walks the whole path of shared/api.md over real HTTP:
// an organizer sets up a venue and an event, a buyer finds it, holds seats,
// has a card declined, pays, replays the payment, gets tickets; the gate
// scans them; the organizer sees sales, refunds, and cancels. Every
// response is checked against the served OpenAPI document.
func TestBuyerJourney(t *testing.T) {
	t.Parallel()
	base := startServer(t)
	c := apitest.NewClient(t, base)
	var x ids

	c.Must(t, 200, apitest.Req{Method: "GET", Path: "/healthz"})
	c.Must(t, 200, apitest.Req{Method: "GET", Path: "/readyz"})

	var auth struct {
		Token string `json:"token"`
		User  struct{ ID, Role string }
	}
	c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"email": "root@example.com", "password": "root-password"}}).JSON(t, &auth)
	admin := auth.Token
	if auth.User.Role != "admin" {
		t.Fatalf("bootstrap admin has role %q", auth.User.Role)
	}

	var v struct {
		Venue struct {
			ID       string
			Capacity int
		}
	}
	c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/venues", Token: admin, Body: map[string]any{
		"name": "MetLife Stadium", "address": "1 MetLife Stadium Dr", "city": "East Rutherford", "region": "NJ", "country": "US",
		"lat": 40.8135, "lon": -74.0745, "timezone": "America/New_York",
		"sections": []any{
			map[string]any{"name": "312", "rows": []any{map[string]any{"name": "1", "seats": 24}, map[string]any{"name": "2", "seats": 26}}},
			map[string]any{"name": "Floor", "general_admission": true, "capacity": 5000},
		}}}).JSON(t, &v)
	x.venue = v.Venue.ID
	if v.Venue.Capacity != 5050 {
		t.Errorf("capacity %d, want 5050", v.Venue.Capacity)
	}

	now := time.Now().UTC()
	var ev struct {
		Event struct {
			ID     string
			AddOns []struct{ ID string } `json:"add_ons"`
		}
	}
	c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events", Token: admin, Header: map[string]string{"Idempotency-Key": "create-jets"}, Body: map[string]any{
		"venue_id": x.venue, "name": "New York Jets vs. Houston Texans", "category": "sports", "description": "Week 13",
		"starts_at": now.Add(7 * 24 * time.Hour).Format(time.RFC3339), "onsale_at": now.Add(-time.Hour).Format(time.RFC3339),
		"max_tickets_per_user": 8, "currency": "USD",
		"prices":            []any{map[string]any{"section": "312", "price_cents": 2500}, map[string]any{"section": "Floor", "price_cents": 9900}},
		"service_fee_cents": 475, "order_fee_cents": 395,
		"add_ons": []any{map[string]any{"name": "Gold Parking", "price_cents": 7500, "max_per_order": 1}},
		"queue":   map[string]any{"enabled": false, "admit_per_minute": 600}}}).JSON(t, &ev)
	x.event, x.addOn = ev.Event.ID, ev.Event.AddOns[0].ID

	// A buyer signs up and finds the event by text and by place.
	c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/auth/register", Body: map[string]string{"email": "fan@example.com", "password": "go-jets-go", "name": "Fan"}}).JSON(t, &auth)
	buyer := auth.Token
	c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/me", Token: buyer})
	var list struct{ Events []struct{ ID string } }
	c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/events?q=jets&category=sports"}).JSON(t, &list)
	if len(list.Events) != 1 || list.Events[0].ID != x.event {
		t.Fatalf("search found %+v", list.Events)
	}
	var near struct {
		Venues []struct {
			ID         string
			DistanceKm float64 `json:"distance_km"`
		}
	}
	c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/venues?near=40.75,-73.99&radius_km=30"}).JSON(t, &near)
	if len(near.Venues) != 1 || near.Venues[0].DistanceKm < 5 || near.Venues[0].DistanceKm > 20 {
		t.Fatalf("near venues %+v", near.Venues)
	}
	c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/venues/" + x.venue})
	c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/venues/" + x.venue + "/events"})
	c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/events?near=40.75,-73.99&radius_km=30"})
	c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/events/" + x.event})
	c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/events/" + x.event + "/seats"})
	var offers struct{ Offers []map[string]any }
	c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/events/" + x.event + "/offers?quantity=2&sort=best"}).JSON(t, &offers)
	if len(offers.Offers) == 0 {
		t.Fatal("no offers for 2 seats")
	}

	// Hold the best pair in section 312.
	var h struct {
		Hold struct {
			ID            string
			Status        string
			SubtotalCents int `json:"subtotal_cents"`
			Seats         []struct {
				Row    string
				Number int
			}
		}
	}
	c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + x.event + "/holds", Token: buyer,
		Body: map[string]any{"best_available": true, "quantity": 2, "section": "312"}}).JSON(t, &h)
	x.hold = h.Hold.ID
	if h.Hold.SubtotalCents != 5000 || len(h.Hold.Seats) != 2 || h.Hold.Seats[0].Row != "1" {
		t.Fatalf("hold %+v", h.Hold)
	}
	c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/holds/" + x.hold, Token: buyer})

	// Declined, then paid; the hold survives the decline.
	order := func(key, token string) *apitest.Response {
		return c.Do(t, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: buyer, Header: map[string]string{"Idempotency-Key": key},
			Body: map[string]any{"hold_id": x.hold, "payment_token": token, "delivery": "mobile", "add_ons": []any{map[string]any{"add_on_id": x.addOn, "quantity": 1}}}})
	}
	if r := order("pay-1", "tok_chargeDeclined"); r.Status != 402 || r.Code() != "payment_declined" {
		t.Fatalf("declined card: %d %s", r.Status, r.Body)
	}
	c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/holds/" + x.hold, Token: buyer}).JSON(t, &h)
	if h.Hold.Status != "active" {
		t.Fatalf("hold after decline is %s", h.Hold.Status)
	}
	paid := order("pay-2", "tok_visa")
	if paid.Status != 201 {
		t.Fatalf("pay: %d %s", paid.Status, paid.Body)
	}
	replay := order("pay-2", "tok_visa")
	if replay.Status != 201 || string(replay.Body) != string(paid.Body) {
		t.Fatalf("replay differs: %d %s", replay.Status, replay.Body)
	}
	if r := order("pay-2", "tok_mastercard"); r.Status != 422 || r.Code() != "idempotency_key_reused" {
		t.Fatalf("reused key: %d %s", r.Status, r.Body)
	}
	second := order("pay-3", "tok_visa")
	if second.Status != 409 || second.Code() != "hold_not_active" {
		t.Fatalf("second order for the hold: %d %s", second.Status, second.Body)
	}
	var o struct {
		Order struct {
			ID         string
			Status     string
			TotalCents int `json:"total_cents"`
			Tickets    []struct{ ID, Barcode string }
		}
	}
	paid.JSON(t, &o)
	// The refusal names the buyer's order, so a checkout retried after a
	// lost answer finds what it paid for.
	var refusal struct {
		OrderID string `json:"order_id"`
	}
	second.JSON(t, &refusal)
	if refusal.OrderID != o.Order.ID {
		t.Fatalf("the second order's 409 names order %q, want the paid %q: %s", refusal.OrderID, o.Order.ID, second.Body)
	}
	// 2 × $25 + $75 parking + 2 × $4.75 + $3.95
	if o.Order.Status != "paid" || o.Order.TotalCents != 5000+7500+950+395 || len(o.Order.Tickets) != 2 {
		t.Fatalf("order %+v", o.Order)
	}
	x.order, x.ticket, x.barcode = o.Order.ID, o.Order.Tickets[0].ID, o.Order.Tickets[0].Barcode
	c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/orders/" + x.order, Token: buyer})
	c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/me/orders", Token: buyer})
	c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/me/tickets", Token: buyer})
	c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/tickets/" + x.ticket, Token: buyer})
	c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/holds/" + x.hold, Token: buyer}).JSON(t, &h)
	if h.Hold.Status != "converted" {
		t.Fatalf("hold after order is %s", h.Hold.Status)
	}

	// Someone else sees none of it.
	c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/auth/register", Body: map[string]string{"email": "other@example.com", "password": "not-a-fan!", "name": "Other"}}).JSON(t, &auth)
	other := auth.Token
	for _, p := range []string{"/api/v1/orders/" + x.order, "/api/v1/holds/" + x.hold, "/api/v1/tickets/" + x.ticket, "/api/v1/orders/ord_nosuchorder"} {
		if r := c.Do(t, apitest.Req{Method: "GET", Path: p, Token: other}); r.Status != 404 || r.Code() != "not_found" {
			t.Errorf("GET %s as another user: %d %s", p, r.Status, r.Body)
		}
	}

	// The gate.
	c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/admin/users", Token: admin,
		Body: map[string]string{"email": "gate@example.com", "password": "scan-scan-scan", "name": "Gate", "role": "staff"}})
	c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"email": "gate@example.com", "password": "scan-scan-scan"}}).JSON(t, &auth)
	gate := auth.Token
	if r := c.Do(t, apitest.Req{Method: "POST", Path: "/api/v1/checkins", Token: buyer, Body: map[string]string{"barcode": x.barcode}}); r.Status != 403 {
		t.Errorf("customer check-in: %d", r.Status)
	}
	c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/checkins", Token: gate, Body: map[string]string{"barcode": x.barcode}})
	if r := c.Do(t, apitest.Req{Method: "POST", Path: "/api/v1/checkins", Token: gate, Body: map[string]string{"barcode": x.barcode}}); r.Code() != "already_checked_in" {
		t.Errorf("second scan: %d %s", r.Status, r.Body)
	}
	forged := x.barcode[:len(x.barcode)-1] + string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", x.barcode[len(x.barcode)-1])+1)%16])
	if r := c.Do(t, apitest.Req{Method: "POST", Path: "/api/v1/checkins", Token: gate, Body: map[string]string{"barcode": forged}}); r.Status != 422 || r.Code() != "invalid_barcode" {
		t.Errorf("forged barcode: %d %s", r.Status, r.Body)
	}

	// The organizer's view, a refund, and a cancellation.
	var sales struct {
		Capacity, Available, Held, Sold, Orders int
		GrossCents                              int `json:"gross_cents"`
	}
	c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/admin/events/" + x.event + "/sales", Token: admin}).JSON(t, &sales)
	if sales.Sold != 2 || sales.Orders != 1 || sales.Available+sales.Held+sales.Sold != sales.Capacity {
		t.Fatalf("sales %+v", sales)
	}
	if r := c.Do(t, apitest.Req{Method: "GET", Path: "/api/v1/admin/events/" + x.event + "/sales", Token: buyer}); r.Status != 403 {
		t.Errorf("customer sees sales: %d", r.Status)
	}
	c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/orders/" + x.order + "/refund", Token: admin}).JSON(t, &o)
	if o.Order.Status != "refunded" {
		t.Fatalf("refund: %+v", o.Order)
	}
	c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/admin/events/" + x.event + "/sales", Token: admin}).JSON(t, &sales)
	if sales.Sold != 0 || sales.Available != sales.Capacity {
		t.Fatalf("sales after refund %+v", sales)
	}
	c.Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + x.event + "/holds", Token: other, Body: map[string]any{"section": "Floor", "quantity": 2}})
	c.Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/events/" + x.event + "/cancel", Token: admin})
	if r := c.Do(t, apitest.Req{Method: "POST", Path: "/api/v1/events/" + x.event + "/holds", Token: other, Body: map[string]any{"section": "Floor", "quantity": 1}}); r.Code() != "not_on_sale" {
		t.Errorf("hold after cancel: %d %s", r.Status, r.Body)
	}
	c.Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/admin/events/" + x.event + "/sales", Token: admin}).JSON(t, &sales)
	if sales.Held != 0 || sales.Available != sales.Capacity {
		t.Fatalf("sales after cancel %+v", sales)
	}
	c.Must(t, 204, apitest.Req{Method: "POST", Path: "/api/v1/auth/logout", Token: other})
	if r := c.Do(t, apitest.Req{Method: "GET", Path: "/api/v1/me", Token: other}); r.Status != 401 {
		t.Errorf("token after logout: %d", r.Status)
	}

	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `boxoffice_http_request_duration_seconds_count{method="POST",route="POST /api/v1/orders",status="2xx"}`) {
		t.Errorf("metrics lack the orders route:\n%.2000s", b)
	}
	if missing := c.Spec.MissingOperations(); len(missing) > 0 {
		t.Logf("operations not exercised by this journey: %v", missing)
	}
}

func TestVersionAndUsage(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	if err := run(context.Background(), []string{"version"}, func(string) string { return "" }, &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "boxoffice ") {
		t.Fatalf("version: %q %v", out.String(), err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown command accepted")
	}
	if err := run(context.Background(), []string{"serve", "--hold-ttl", "0s"}, func(string) string { return "" }, io.Discard, io.Discard); err == nil {
		t.Fatal("zero hold TTL accepted")
	}
	var mig strings.Builder
	db := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	if err := run(context.Background(), []string{"migrate", "--database", db}, func(string) string { return "" }, &mig, io.Discard); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	fmt.Fprint(io.Discard, mig.String())
}
