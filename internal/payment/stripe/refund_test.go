package stripe

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/payment"
)

// mustCharge makes a succeeded charge for key, failing t otherwise.
func mustCharge(t *testing.T, p *Provider, key string) payment.Charge {
	t.Helper()
	c, err := p.Charge(context.Background(), chargeReq(key, "tok_visa"))
	if err != nil {
		t.Fatalf("Charge %s: %v", key, err)
	}
	return c
}

func TestRefundInFullOnce(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	p := provider(t, s, nil)
	ctx := context.Background()
	c := mustCharge(t, p, "ord_refund")
	req := payment.RefundRequest{ChargeID: c.ID, IdempotencyKey: "refund_ord_refund", Reason: "event cancelled"}
	first, err := p.Refund(ctx, req)
	if err != nil {
		t.Fatalf("Refund: %v", err)
	}
	if !strings.HasPrefix(first.ID, "re_") || first.ChargeID != c.ID || first.AmountCents != 4200 || first.Status != "succeeded" {
		t.Errorf("refund = %+v", first)
	}
	again, err := p.Refund(ctx, req) // an admin's double click: Stripe replays
	if err != nil || again != first {
		t.Errorf("same refund again = %+v, %v; want %+v", again, err, first)
	}
	other, err := p.Refund(ctx, payment.RefundRequest{ChargeID: c.ID, IdempotencyKey: "refund_other"})
	if err != nil || other.ID != first.ID {
		t.Errorf("full refund of a refunded charge = %+v, %v; want the existing refund %s", other, err, first.ID)
	}
	if n := len(s.Refunds()); n != 1 {
		t.Errorf("%d refunds made, want 1", n)
	}
	if n, amount := s.RefundedFor(c.ID); n != 1 || amount != 4200 {
		t.Errorf("ledger: %d refunds of %d for %s, want 1 of 4200", n, amount, c.ID)
	}
	reqs := s.Requests("POST", "/v1/refunds")
	if len(reqs) != 3 || reqs[0].IdempotencyKey != req.IdempotencyKey || !reqs[1].Replayed {
		t.Fatalf("refund requests = %+v", reqs)
	}
	for param, want := range map[string]string{"payment_intent": c.ID, "reason": "requested_by_customer",
		"metadata[reason]": "event cancelled", "amount": ""} {
		if got := reqs[0].Form.Get(param); got != want {
			t.Errorf("%s = %q, want %q", param, got, want)
		}
	}
	got, err := p.Lookup(ctx, "ord_refund")
	if err != nil || got.ID != c.ID || got.RefundedCents != 4200 {
		t.Errorf("Lookup after the refund = %+v, %v; want RefundedCents 4200", got, err)
	}
}

func TestRefundPartial(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	p := provider(t, s, nil)
	ctx := context.Background()
	c := mustCharge(t, p, "ord_partial")
	steps := []struct {
		key    string
		amount int64
		want   int64 // refunded by this step; -1 for the previous refund returned again
	}{
		{"refund_a", 1000, 1000},
		{"refund_b", 0, 3200}, // 0 = the rest
		{"refund_c", 0, -1},
		{"refund_d", 500, -1},
	}
	var last payment.Refund
	for _, st := range steps {
		r, err := p.Refund(ctx, payment.RefundRequest{ChargeID: c.ID, AmountCents: st.amount, IdempotencyKey: st.key})
		if err != nil {
			t.Fatalf("%s: %v", st.key, err)
		}
		switch {
		case st.want == -1 && r != last:
			t.Errorf("%s = %+v, want the latest refund %+v", st.key, r, last)
		case st.want != -1 && (r.AmountCents != st.want || r == last):
			t.Errorf("%s = %+v, want a new refund of %d", st.key, r, st.want)
		}
		last = r
	}
	c2 := mustCharge(t, p, "ord_partial_2")
	_, err := p.Refund(ctx, payment.RefundRequest{ChargeID: c2.ID, AmountCents: 5000, IdempotencyKey: "refund_big"})
	if e := wantCode(t, err, apperr.Invalid, "amount_too_large"); len(e.Fields) != 1 || e.Fields[0].Field != "amount_cents" {
		t.Errorf("fields = %+v, want amount_cents", e.Fields)
	}
}

func TestRefundErrors(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	p := provider(t, s, nil)
	ctx := context.Background()
	c := mustCharge(t, p, "ord_refund_errors")
	if _, err := p.Refund(ctx, payment.RefundRequest{ChargeID: c.ID, AmountCents: 100, IdempotencyKey: "refund_k"}); err != nil {
		t.Fatal(err)
	}
	_, declined := p.Charge(ctx, chargeReq("ord_refund_declined", "tok_chargeDeclined"))
	var pe *apperr.Error
	if !errors.As(declined, &pe) || pe.Code != apperr.PaymentDeclined {
		t.Fatalf("Charge = %v", declined)
	}
	for _, tc := range []struct {
		name string
		req  payment.RefundRequest
		code apperr.Code
		msg  string
	}{
		{"unknown charge", payment.RefundRequest{ChargeID: "pi_nope", IdempotencyKey: "refund_nope"}, apperr.NotFound, "pi_nope"},
		{"key reused for another amount", payment.RefundRequest{ChargeID: c.ID, AmountCents: 200, IdempotencyKey: "refund_k"},
			apperr.Invalid, "idempotency key"},
		{"no key", payment.RefundRequest{ChargeID: c.ID}, apperr.Invalid, "idempotency_key"},
		{"no charge id", payment.RefundRequest{IdempotencyKey: "refund_x"}, apperr.Invalid, "charge_id"},
		{"negative amount", payment.RefundRequest{ChargeID: c.ID, AmountCents: -1, IdempotencyKey: "refund_y"}, apperr.Invalid, "amount_cents"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := p.Refund(ctx, tc.req)
			wantCode(t, err, tc.code, tc.msg)
		})
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	p := provider(t, s, nil)
	ctx := context.Background()
	odd := `ord_it's\odd`
	c := mustCharge(t, p, odd)
	mustCharge(t, p, "ord_it") // a prefix of the other key: must not match it
	got, err := p.Lookup(ctx, odd)
	if err != nil || got != c {
		t.Fatalf("Lookup(%q) = %+v, %v; want %+v", odd, got, err, c)
	}
	if q := s.Requests("GET", "/v1/payment_intents/search")[0].Form.Get("query"); q != `metadata['order_id']:'ord_it\'s\\odd'` {
		t.Errorf("query = %s", q)
	}
	if _, err := p.Lookup(ctx, "ord_never"); !errors.Is(err, payment.ErrNoCharge) {
		t.Errorf("Lookup of an unknown key = %v, want ErrNoCharge", err)
	}
	for name, key := range map[string]string{"empty": "", "long": strings.Repeat("k", 256), "control": "ord_\x00",
		"non-ASCII": "ord_é", "padded": "ord_1 "} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := p.Lookup(ctx, key)
			wantCode(t, err, apperr.Invalid, "idempotency_key")
		})
	}
}
