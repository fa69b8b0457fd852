package stripe

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v82"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/payment"
	"github.com/boxoffice/boxoffice/internal/payment/stripe/stripetest"
)

// testKey is long enough to be masked with its last four shown.
const testKey = "sk_test_51BoxOfficeTestOnlyKey0000000000000000SECRET9876"

func chargeReq(key, token string) payment.ChargeRequest {
	return payment.ChargeRequest{IdempotencyKey: key, AmountCents: 4200, Currency: "EUR", Token: token,
		Description: "Boxoffice order " + key, Metadata: map[string]string{"event_id": "evt_1", "hold_id": "hld_1"}}
}

// wantCode fails t unless err is an *apperr.Error with code whose message
// contains msg.
func wantCode(t *testing.T, err error, code apperr.Code, msg string) *apperr.Error {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != code || !strings.Contains(e.Message, msg) {
		t.Fatalf("error = %v, want %s containing %q", err, code, msg)
	}
	return e
}

// newServer starts a fake Stripe that accepts testKey.
func newServer(t *testing.T) *stripetest.Server {
	t.Helper()
	return stripetest.New(t, stripetest.WithKey(testKey))
}

// provider returns a Provider for s with a short timeout; mod adjusts the
// options first.
func provider(t *testing.T, s *stripetest.Server, mod func(*Options)) *Provider {
	t.Helper()
	opts := Options{SecretKey: s.Key(), APIURL: s.URL(), Timeout: 2 * time.Second}
	if mod != nil {
		mod(&opts)
	}
	p, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// keyRequests returns the charge requests the server saw for an order.
func keyRequests(s *stripetest.Server, key string) []stripetest.Request {
	var out []stripetest.Request
	for _, r := range s.Requests("POST", "/v1/payment_intents") {
		if r.IdempotencyKey == key {
			out = append(out, r)
		}
	}
	return out
}

func TestChargeSucceeds(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	p := provider(t, s, nil)
	for _, tc := range []struct{ token, brand, last4 string }{
		{"tok_visa", "visa", "4242"},
		{"tok_mastercard", "mastercard", "4444"},
		{"tok_amex", "amex", "8431"},
		{"4242 4242 4242 4242", "visa", "4242"},
		{"pm_card_visa", "visa", "4242"},
	} {
		t.Run(tc.token, func(t *testing.T) {
			t.Parallel()
			key := "ord_ok_" + strings.ReplaceAll(tc.token, " ", "")
			c, err := p.Charge(context.Background(), chargeReq(key, tc.token))
			if err != nil {
				t.Fatalf("Charge: %v", err)
			}
			if !strings.HasPrefix(c.ID, "pi_") || c.IdempotencyKey != key || c.AmountCents != 4200 || c.Currency != "EUR" ||
				c.Status != payment.StatusSucceeded || c.CardBrand != tc.brand || c.Last4 != tc.last4 || c.RefundedCents != 0 {
				t.Errorf("charge = %+v", c)
			}
			if d := time.Since(c.Created); d < -time.Minute || d > time.Minute {
				t.Errorf("Created = %v, not now", c.Created)
			}
			reqs := keyRequests(s, key)
			if len(reqs) != 1 {
				t.Fatalf("%d requests for %s, want 1", len(reqs), key)
			}
			for param, want := range map[string]string{"amount": "4200", "currency": "eur", "confirm": "true",
				"payment_method_types[0]": "card", "expand[0]": "latest_charge", "metadata[order_id]": key,
				"metadata[event_id]": "evt_1", "description": "Boxoffice order " + key} {
				if got := reqs[0].Form.Get(param); got != want {
					t.Errorf("%s = %q, want %q", param, got, want)
				}
			}
			if n := s.SucceededForOrder(key); n != 1 {
				t.Errorf("ledger has %d charges for %s, want 1", n, key)
			}
		})
	}
}

func TestChargeDeclined(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	p := provider(t, s, nil)
	for _, tc := range []struct{ token, msg, decline string }{
		{"tok_chargeDeclined", "Your card was declined.", "generic_decline"},
		{"tok_chargeDeclinedInsufficientFunds", "Your card has insufficient funds.", "insufficient_funds"},
		{"tok_chargeDeclinedExpiredCard", "Your card has expired.", "expired_card"},
		{"tok_chargeDeclinedIncorrectCvc", "Your card's security code is incorrect.", "incorrect_cvc"},
		{"4000000000000002", "Your card was declined.", "generic_decline"},
	} {
		t.Run(tc.token, func(t *testing.T) {
			t.Parallel()
			key := "ord_declined_" + tc.token
			ctx := context.Background()
			for attempt := 1; attempt <= 2; attempt++ { // the retry gets Stripe's stored answer
				_, err := p.Charge(ctx, chargeReq(key, tc.token))
				e := wantCode(t, err, apperr.PaymentDeclined, tc.msg)
				if e.Message != tc.msg || !strings.Contains(err.Error(), "decline_code="+tc.decline) {
					t.Errorf("attempt %d: %v, want message %q and decline code %s in the cause", attempt, err, tc.msg, tc.decline)
				}
				var se *stripego.Error
				if !errors.As(err, &se) || string(se.DeclineCode) != tc.decline {
					t.Errorf("attempt %d: no *stripe.Error with decline code %s in %v", attempt, tc.decline, err)
				}
			}
			reqs := keyRequests(s, key)
			if len(reqs) != 2 || reqs[0].Replayed || !reqs[1].Replayed {
				t.Errorf("requests = %+v, want a first one and a replay", reqs)
			}
			if n := s.SucceededForOrder(key); n != 0 {
				t.Errorf("a declined card was charged %d times", n)
			}
			if _, err := p.Lookup(ctx, key); !errors.Is(err, payment.ErrNoCharge) {
				t.Errorf("Lookup after a decline = %v, want ErrNoCharge", err)
			}
		})
	}
}

func TestChargeNotChargedOutcomes(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	p := provider(t, s, nil)
	for _, tc := range []struct {
		token string
		code  apperr.Code
		msg   string
	}{
		{"tok_processingError", apperr.Unavailable, "nothing was charged"},
		{"4000000000000119", apperr.Unavailable, "nothing was charged"},
		{"tok_authenticationRequired", apperr.PaymentDeclined, "3-D Secure"},
		{"pm_card_doesNotExist", apperr.Invalid, "payment_token"},
	} {
		t.Run(tc.token, func(t *testing.T) {
			t.Parallel()
			key := "ord_nocharge_" + tc.token
			_, err := p.Charge(context.Background(), chargeReq(key, tc.token))
			wantCode(t, err, tc.code, tc.msg)
			if n := s.SucceededForOrder(key); n != 0 {
				t.Errorf("charged %d times", n)
			}
			// Nothing was charged for sure, so Lookup may say so at once.
			if _, err := p.Lookup(context.Background(), key); !errors.Is(err, payment.ErrNoCharge) {
				t.Errorf("Lookup = %v, want ErrNoCharge", err)
			}
		})
	}
}

func TestChargeRejectedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	p := provider(t, s, nil)
	long := strings.Repeat("k", 256)
	for name, req := range map[string]payment.ChargeRequest{
		"no key":           chargeReq("", "tok_visa"),
		"long key":         chargeReq(long, "tok_visa"),
		"padded key":       chargeReq(" ord_1", "tok_visa"),
		"non-ASCII key":    chargeReq("ord_é", "tok_visa"),
		"real card number": chargeReq("ord_1", "4111111111111111"),
		"legacy token":     chargeReq("ord_1", "tok_1NabcdEFGH"),
		"junk token":       chargeReq("ord_1", "pm_card_visa&amount=1"),
		"lower currency":   {IdempotencyKey: "ord_1", AmountCents: 100, Currency: "eur", Token: "tok_visa"},
		"zero amount":      {IdempotencyKey: "ord_1", AmountCents: 0, Currency: "EUR", Token: "tok_visa"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := p.Charge(context.Background(), req)
			wantCode(t, err, apperr.Invalid, "")
		})
	}
	t.Cleanup(func() {
		if n := len(s.Requests("POST", "/v1/payment_intents")); n != 0 {
			t.Errorf("%d invalid charges reached Stripe", n)
		}
	})
}

func TestChargeKeyReusedWithOtherParameters(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	p := provider(t, s, nil)
	ctx := context.Background()
	first, err := p.Charge(ctx, chargeReq("ord_reuse", "tok_visa"))
	if err != nil {
		t.Fatal(err)
	}
	more := chargeReq("ord_reuse", "tok_visa")
	more.AmountCents++
	other := chargeReq("ord_reuse", "tok_mastercard")
	for _, req := range []payment.ChargeRequest{more, other} {
		_, err := p.Charge(ctx, req)
		wantCode(t, err, apperr.Invalid, "idempotency key")
	}
	again, err := p.Charge(ctx, chargeReq("ord_reuse", "tok_visa"))
	if err != nil || again.ID != first.ID {
		t.Errorf("same request again = %+v, %v; want %s", again, err, first.ID)
	}
	if n := s.SucceededForOrder("ord_reuse"); n != 1 {
		t.Errorf("charged %d times, want 1", n)
	}
}

func TestChargeConcurrentSameKey(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	p := provider(t, s, nil)
	ids := make([]string, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			c, err := p.Charge(context.Background(), chargeReq("ord_race", "tok_visa"))
			if err != nil {
				t.Errorf("Charge: %v", err)
			}
			ids[i] = c.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Errorf("charge ids %v differ", ids)
			break
		}
	}
	if n := s.SucceededForOrder("ord_race"); n != 1 {
		t.Errorf("charged %d times, want 1", n)
	}
}
