package stripe

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/payment"
)

// noRetries makes a provider give up after one attempt with a short timeout,
// so a test sees what the network did rather than stripe-go's recovery.
func noRetries(o *Options) {
	o.MaxNetworkRetries = -1
	o.Timeout = 300 * time.Millisecond
}

func TestChargeOutage(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	p := provider(t, s, func(o *Options) { o.SearchLag = 300 * time.Millisecond })
	// Stripe's own 500 is final for stripe-go (Stripe stores it under the
	// key); this one comes before Stripe did anything, as in an outage.
	s.FailNext(1)
	ctx := context.Background()
	_, err := p.Charge(ctx, chargeReq("ord_outage", "tok_visa"))
	wantCode(t, err, apperr.Unavailable, "may or may not have gone through")
	if reqs := keyRequests(s, "ord_outage"); len(reqs) != 1 {
		t.Fatalf("%d attempts, want 1 (stripe-go does not retry Stripe's 500)", len(reqs))
	}
	if n := s.SucceededForOrder("ord_outage"); n != 0 {
		t.Fatalf("charged %d times during an outage", n)
	}
	// A 500 may hide a charge, so right away Lookup will not say "none".
	_, err = p.Lookup(ctx, "ord_outage")
	wantCode(t, err, apperr.Unavailable, "cannot tell yet")
	time.Sleep(400 * time.Millisecond)
	if _, err := p.Lookup(ctx, "ord_outage"); !errors.Is(err, payment.ErrNoCharge) {
		t.Fatalf("Lookup after the search lag = %v, want ErrNoCharge", err)
	}
	if _, err := p.Charge(ctx, chargeReq("ord_outage", "tok_visa")); err != nil {
		t.Fatalf("Charge after the outage: %v", err)
	}
	if n := s.SucceededForOrder("ord_outage"); n != 1 {
		t.Errorf("charged %d times, want 1", n)
	}
}

func TestChargeRetryReusesKey(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	p := provider(t, s, nil)
	ctx := context.Background()
	s.GatewayErrorNext(2) // the attempt and the one retry
	_, err := p.Charge(ctx, chargeReq("ord_retry", "tok_visa"))
	wantCode(t, err, apperr.Unavailable, "may or may not have gone through")
	s.GatewayErrorNext(1)
	if _, err := p.Charge(ctx, chargeReq("ord_retry", "tok_visa")); err != nil {
		t.Fatalf("Charge with one 502 and one retry: %v", err)
	}
	if reqs := keyRequests(s, "ord_retry"); len(reqs) != 4 {
		t.Errorf("%d attempts with the order's key, want 4", len(reqs))
	}
	if n := s.SucceededForOrder("ord_retry"); n != 1 {
		t.Errorf("charged %d times, want 1", n)
	}
}

func TestChargeTimeoutAfterCharge(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	p := provider(t, s, noRetries)
	s.StallNextCharge(1, 0)
	ctx := context.Background()
	req := chargeReq("ord_timeout", "tok_visa")
	_, err := p.Charge(ctx, req)
	wantCode(t, err, apperr.Unavailable, "may or may not have gone through")
	if n := s.SucceededForOrder("ord_timeout"); n != 1 {
		t.Fatalf("the server charged %d times, want 1 (it charged, then answered too late)", n)
	}
	found, err := p.Lookup(ctx, "ord_timeout")
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if found.AmountCents != 4200 || found.Currency != "EUR" || found.Last4 != "4242" || found.IdempotencyKey != "ord_timeout" {
		t.Errorf("Lookup = %+v", found)
	}
	again, err := p.Charge(ctx, req)
	if err != nil || again.ID != found.ID {
		t.Fatalf("retry = %+v, %v; want the charge %s", again, err, found.ID)
	}
	if reqs := keyRequests(s, "ord_timeout"); len(reqs) != 2 || !reqs[1].Replayed {
		t.Errorf("requests = %+v, want the retry replayed", reqs)
	}
	if n := s.SucceededForOrder("ord_timeout"); n != 1 {
		t.Errorf("charged %d times, want 1", n)
	}
}

func TestChargeTimeoutRecoveredByRetry(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	p := provider(t, s, func(o *Options) { o.Timeout = 300 * time.Millisecond })
	s.StallNextCharge(1, 0)
	c, err := p.Charge(context.Background(), chargeReq("ord_slow", "tok_visa"))
	if err != nil {
		t.Fatalf("Charge: %v (stripe-go's retry should have got the stored answer)", err)
	}
	if reqs := keyRequests(s, "ord_slow"); len(reqs) != 2 || !reqs[1].Replayed {
		t.Errorf("requests = %+v, want the retry replayed", reqs)
	}
	if n := s.SucceededForOrder("ord_slow"); n != 1 || c.ID == "" {
		t.Errorf("charged %d times (charge %+v), want 1", n, c)
	}
}

// TestLookupDuringSearchLag is checkout's path after a timeout: Lookup at
// once, while Stripe's search does not show the charge yet. Saying "no
// charge" would fail a paid order; the adapter says "cannot tell yet".
func TestLookupDuringSearchLag(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	p := provider(t, s, func(o *Options) { noRetries(o); o.SearchLag = 10 * time.Second })
	s.StallNextCharge(1, 0)
	s.SetSearchDelay(500 * time.Millisecond)
	ctx := context.Background()
	_, err := p.Charge(ctx, chargeReq("ord_lag", "tok_visa"))
	wantCode(t, err, apperr.Unavailable, "may or may not")
	_, err = p.Lookup(ctx, "ord_lag")
	wantCode(t, err, apperr.Unavailable, "cannot tell yet")
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := p.Lookup(ctx, "ord_lag")
		if err == nil {
			if c.IdempotencyKey != "ord_lag" || s.SucceededForOrder("ord_lag") != 1 {
				t.Errorf("Lookup = %+v", c)
			}
			return
		}
		if !apperr.Is(err, apperr.Unavailable) || time.Now().After(deadline) {
			t.Fatalf("Lookup = %v, want the charge once the search shows it", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close() // nothing listens there now
	p, err := New(Options{SecretKey: testKey, APIURL: url, MaxNetworkRetries: -1, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err = p.Charge(ctx, chargeReq("ord_down", "tok_visa"))
	wantCode(t, err, apperr.Unavailable, "may or may not have gone through")
	_, err = p.Refund(ctx, payment.RefundRequest{ChargeID: "pi_1", IdempotencyKey: "refund_1"})
	wantCode(t, err, apperr.Unavailable, "may or may not have been made")
	_, err = p.Lookup(ctx, "ord_other")
	wantCode(t, err, apperr.Unavailable, "try again later")
}

func TestCancelledContextSendsNothing(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	p := provider(t, s, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.Charge(ctx, chargeReq("ord_cancelled", "tok_visa"))
	wantCode(t, err, apperr.Unavailable, "nothing was charged")
	_, err = p.Refund(ctx, payment.RefundRequest{ChargeID: "pi_1", IdempotencyKey: "refund_1"})
	wantCode(t, err, apperr.Unavailable, "nothing was refunded")
	_, err = p.Lookup(ctx, "ord_cancelled")
	wantCode(t, err, apperr.Unavailable, "")
	if n := len(s.Requests("", "")); n != 0 {
		t.Errorf("%d requests with a cancelled context", n)
	}
}
