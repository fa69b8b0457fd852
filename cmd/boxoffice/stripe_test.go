package main

import (
	"strings"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apitest"
	"github.com/boxoffice/boxoffice/internal/payment/stripe/stripetest"
	"github.com/boxoffice/boxoffice/internal/store/pgtest"
)

// TestStripeThreeInstances runs three instances with --payments stripe
// against a Stripe-shaped server (stripetest: Stripe's idempotency rules,
// test payment methods, errors, and failure injection) and checks that a
// payment, its replays on other instances, a refund on a third, a decline,
// an outage and a timeout after the charge each end as the contract says:
// charged at most once per order, never a paid order lost.
func TestStripeThreeInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts three servers")
	}
	t.Parallel()
	api := stripetest.New(t)
	db := pgtest.URL(t)
	bin := buildBinary(t)
	cl := &cluster{insts: startInstancesEnv(t, bin, db, 3, []string{"STRIPE_SECRET_KEY=" + api.Key()},
		"--payments", "stripe", "--stripe-api-url", api.URL(), "--payment-timeout", "1s", "--reconcile-grace", "3s")}
	for _, in := range cl.insts {
		if strings.Contains(in.stderr.String(), api.Key()) {
			t.Errorf("an instance wrote the Stripe secret key to stderr")
		}
	}

	var auth struct {
		Token string `json:"token"`
	}
	cl.rr().Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"email": "root@example.com", "password": "root-password"}}).JSON(t, &auth)
	admin := auth.Token
	cl.rr().Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/auth/register", Body: map[string]string{"email": "cy@example.com", "password": "password-cy", "name": "Cy"}}).JSON(t, &auth)
	buyer := auth.Token
	var v struct {
		Venue struct{ ID string } `json:"venue"`
	}
	cl.rr().Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/venues", Token: admin, Body: map[string]any{"name": "Stripe Hall", "address": "3 Main St",
		"city": "Springfield", "region": "IL", "country": "US", "lat": 39.8, "lon": -89.6, "timezone": "America/Chicago",
		"sections": []any{map[string]any{"name": "Floor", "general_admission": true, "capacity": 40}}}}).JSON(t, &v)
	now := time.Now().UTC()
	var ev struct {
		Event struct{ ID string } `json:"event"`
	}
	cl.rr().Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events", Token: admin, Body: map[string]any{"venue_id": v.Venue.ID, "name": "Paid Show",
		"category": "concert", "starts_at": now.Add(48 * time.Hour).Format(time.RFC3339), "onsale_at": now.Add(-time.Hour).Format(time.RFC3339),
		"max_tickets_per_user": 20, "default_price_cents": 2500, "service_fee_cents": 475, "order_fee_cents": 395}}).JSON(t, &ev)
	hold := func(t *testing.T) string {
		var h holdBody
		cl.rr().Must(t, 201, apitest.Req{Method: "POST", Path: "/api/v1/events/" + ev.Event.ID + "/holds", Token: buyer,
			Body: map[string]any{"section": "Floor", "quantity": 2}}).JSON(t, &h)
		return h.Hold.ID
	}
	order := func(t *testing.T, c *apitest.Client, holdID, key, card string) *apitest.Response {
		return c.Do(t, apitest.Req{Method: "POST", Path: "/api/v1/orders", Token: buyer, Header: map[string]string{"Idempotency-Key": key},
			Body: map[string]any{"hold_id": holdID, "payment_token": card}})
	}
	// waitPaid polls the buyer's order until reconciliation settles it.
	waitSettled := func(t *testing.T, orderID string) string {
		deadline := time.Now().Add(30 * time.Second)
		for {
			var o orderBody
			cl.rr().Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/orders/" + orderID, Token: buyer}).JSON(t, &o)
			if o.Order.Status != "pending" || time.Now().After(deadline) {
				return o.Order.Status
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	pendingOrder := func(t *testing.T) string {
		var mine struct {
			Orders []struct{ ID, Status string } `json:"orders"`
		}
		cl.rr().Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/me/orders", Token: buyer}).JSON(t, &mine)
		for _, o := range mine.Orders {
			if o.Status == "pending" {
				return o.ID
			}
		}
		t.Fatalf("no pending order among %+v", mine.Orders)
		return ""
	}

	t.Run("pay on one, replay on the others, refund on a third", func(t *testing.T) {
		h := hold(t)
		first := order(t, cl.on(0), h, "stripe-1", "tok_visa")
		if first.Status != 201 {
			t.Fatalf("pay: %d %s", first.Status, first.Body)
		}
		var o orderBody
		first.JSON(t, &o)
		if o.Order.Payment.Provider != "stripe" || !strings.HasPrefix(o.Order.Payment.ChargeID, "pi_") {
			t.Errorf("payment %+v, want a Stripe PaymentIntent", o.Order.Payment)
		}
		for i := 1; i < 3; i++ {
			if r := order(t, cl.on(i), h, "stripe-1", "tok_visa"); r.Status != 201 || string(r.Body) != string(first.Body) {
				t.Errorf("replay on instance %d: %d %s", i, r.Status, r.Body)
			}
		}
		cl.on(2).Must(t, 200, apitest.Req{Method: "POST", Path: "/api/v1/orders/" + o.Order.ID + "/refund", Token: admin})
		if n, amount := api.RefundedFor(o.Order.Payment.ChargeID); n != 1 || amount != o.Order.TotalCents {
			t.Errorf("Stripe refunded %d times, %d cents; want once, %d", n, amount, o.Order.TotalCents)
		}
	})

	t.Run("a decline keeps the hold", func(t *testing.T) {
		h := hold(t)
		if r := order(t, cl.rr(), h, "stripe-decline", "tok_chargeDeclined"); r.Status != 402 || r.Code() != "payment_declined" {
			t.Fatalf("declined card: %d %s", r.Status, r.Body)
		}
		if r := order(t, cl.rr(), h, "stripe-after-decline", "tok_mastercard"); r.Status != 201 {
			t.Fatalf("pay after a decline: %d %s", r.Status, r.Body)
		}
	})

	t.Run("an outage charges nothing and the order is settled as failed", func(t *testing.T) {
		h := hold(t)
		api.FailNext(1)
		if r := order(t, cl.rr(), h, "stripe-outage", "tok_visa"); r.Status != 503 {
			t.Fatalf("outage: %d %s", r.Status, r.Body)
		}
		id := pendingOrder(t)
		if st := waitSettled(t, id); st != "payment_failed" {
			t.Errorf("order after an outage settled as %s, want payment_failed", st)
		}
		if n := api.SucceededForOrder(id); n != 0 {
			t.Errorf("%d charges for the order of the outage", n)
		}
		if r := order(t, cl.rr(), h, "stripe-after-outage", "tok_visa"); r.Status != 201 {
			t.Fatalf("pay after the outage: %d %s", r.Status, r.Body)
		}
	})

	t.Run("a timeout after the charge ends as a paid order, charged once", func(t *testing.T) {
		h := hold(t)
		api.StallNextCharge(1, 4*time.Second)
		// stripe-go retries a timed-out request once with the same
		// Idempotency-Key, and Stripe answers a replay with the stored
		// result: the buyer may get the paid order at once. If the retry
		// fails too, the order is left pending and reconciliation (on any
		// instance) finds the charge. Either way: paid, charged once.
		var id string
		switch r := order(t, cl.rr(), h, "stripe-timeout", "tok_visa"); r.Status {
		case 201:
			var o orderBody
			r.JSON(t, &o)
			id = o.Order.ID
			t.Logf("the SDK's retry with the same key got the stored charge")
		case 503:
			id = pendingOrder(t)
			if st := waitSettled(t, id); st != "paid" {
				t.Fatalf("order after a timeout settled as %s, want paid", st)
			}
			t.Logf("reconciliation settled the order")
		default:
			t.Fatalf("timeout after the charge: %d %s", r.Status, r.Body)
		}
		replayed := 0
		for _, rq := range api.Requests("POST", "/v1/payment_intents") {
			if rq.IdempotencyKey == id && rq.Replayed {
				replayed++
			}
		}
		t.Logf("requests for the order answered as replays: %d", replayed)
		if n := api.SucceededForOrder(id); n != 1 {
			t.Errorf("%d charges for the order whose answer timed out, want 1", n)
		}
		var mine struct {
			Tickets []struct{ ID string } `json:"tickets"`
		}
		cl.rr().Must(t, 200, apitest.Req{Method: "GET", Path: "/api/v1/me/tickets", Token: buyer}).JSON(t, &mine)
		if len(mine.Tickets) != 6 {
			t.Errorf("the buyer has %d valid tickets, want 6 (2 refunded of 8 bought)", len(mine.Tickets))
		}
	})

	t.Run("a timeout after the charge whose retry fails too: reconciliation pays the order", func(t *testing.T) {
		h := hold(t)
		before := len(api.Requests("POST", "/v1/payment_intents"))
		// Stripe's search lags: checkout's own Lookup, right after the
		// failed retry, cannot see the charge yet, so the order is left
		// pending. The lag must stay under the reconcile grace (3 s here,
		// 2 minutes in production against Stripe's "about a minute"), or
		// reconciliation would fail an order that was charged.
		api.SetSearchDelay(2 * time.Second)
		defer api.SetSearchDelay(0)
		api.StallNextCharge(1, 4*time.Second)
		res := make(chan *apitest.Response, 1)
		go func() { res <- order(t, cl.rr(), h, "stripe-timeout-2", "tok_visa") }()
		// Once the charge is made (and its answer held back), the SDK's
		// retry meets a proxy's 502.
		deadline := time.Now().Add(10 * time.Second)
		for len(api.Requests("POST", "/v1/payment_intents")) == before {
			if time.Now().After(deadline) {
				t.Fatal("the charge never reached Stripe")
			}
			time.Sleep(10 * time.Millisecond)
		}
		api.GatewayErrorNext(1)
		if r := <-res; r.Status != 503 {
			t.Fatalf("timeout, then a failed retry: %d %s, want 503", r.Status, r.Body)
		}
		id := pendingOrder(t)
		if st := waitSettled(t, id); st != "paid" {
			t.Fatalf("order settled as %s, want paid", st)
		}
		if n := api.SucceededForOrder(id); n != 1 {
			t.Errorf("%d charges for the order, want 1", n)
		}
	})

	if over := api.OverchargedOrders(); len(over) > 0 {
		t.Errorf("orders charged more than once: %v", over)
	}
	stopInstances(t, cl.insts)
}
