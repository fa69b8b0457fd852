package payment_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/payment"
)

var epoch = time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)

func newFake(t *testing.T) *payment.Fake {
	t.Helper()
	return payment.NewFake(payment.FakeOptions{Now: func() time.Time { return epoch }})
}

func chargeReq(key, token string) payment.ChargeRequest {
	return payment.ChargeRequest{IdempotencyKey: key, AmountCents: 6345, Currency: "USD", Token: token, Description: "order " + key}
}

// wantCode fails unless err is an *apperr.Error with code.
func wantCode(t *testing.T, err error, code apperr.Code) *apperr.Error {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != code {
		t.Fatalf("err = %v, want code %s", err, code)
	}
	return e
}

func TestChargeTestTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		token       string
		code        apperr.Code // "" for success
		brand       string
		last4       string
		wantMessage string
	}{
		{token: "tok_visa", brand: "visa", last4: "4242"},
		{token: "tok_mastercard", brand: "mastercard", last4: "4444"},
		{token: "tok_amex", brand: "amex", last4: "8431"},
		{token: "4242424242424242", brand: "visa", last4: "4242"},
		{token: "4242 4242 4242 4242", brand: "visa", last4: "4242"},
		{token: "5555 5555 5555 4444", brand: "mastercard", last4: "4444"},
		{token: "3782 822463 10005", brand: "amex", last4: "0005"},
		{token: "tok_chargeDeclined", code: apperr.PaymentDeclined, wantMessage: "Your card was declined."},
		{token: "4000000000000002", code: apperr.PaymentDeclined, wantMessage: "Your card was declined."},
		{token: "tok_chargeDeclinedInsufficientFunds", code: apperr.PaymentDeclined, wantMessage: "Your card has insufficient funds."},
		{token: "4000 0000 0000 9995", code: apperr.PaymentDeclined, wantMessage: "Your card has insufficient funds."},
		{token: "tok_chargeDeclinedExpiredCard", code: apperr.PaymentDeclined, wantMessage: "Your card has expired."},
		{token: "tok_chargeDeclinedIncorrectCvc", code: apperr.PaymentDeclined, wantMessage: "Your card's security code is incorrect."},
		{token: "tok_processingError", code: apperr.Unavailable, wantMessage: "The payment provider had a processing error; nothing was charged."},
		{token: "4000000000000119", code: apperr.Unavailable, wantMessage: "The payment provider had a processing error; nothing was charged."},
		{token: "tok_bogus", code: apperr.Invalid, wantMessage: "payment_token: unknown payment token"},
		{token: "4111111111111112", code: apperr.Invalid, wantMessage: "payment_token: unknown payment token"},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newFake(t)
			ch, err := f.Charge(ctx, chargeReq("ord_1", tt.token))
			if tt.code != "" {
				if e := wantCode(t, err, tt.code); e.Message != tt.wantMessage {
					t.Errorf("message = %q, want %q", e.Message, tt.wantMessage)
				}
				if ch != (payment.Charge{}) {
					t.Errorf("failed charge returned %+v", ch)
				}
				if n := len(f.Charges()); n != 0 {
					t.Errorf("%d charges recorded, want 0", n)
				}
				if _, err := f.Lookup(ctx, "ord_1"); !errors.Is(err, payment.ErrNoCharge) {
					t.Errorf("Lookup = %v, want ErrNoCharge", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Charge: %v", err)
			}
			want := payment.Charge{
				ID: ch.ID, IdempotencyKey: "ord_1", AmountCents: 6345, Currency: "USD",
				Status: "succeeded", CardBrand: tt.brand, Last4: tt.last4, Created: epoch,
			}
			if ch != want {
				t.Errorf("charge = %+v, want %+v", ch, want)
			}
			if !strings.HasPrefix(ch.ID, "ch_") || len(ch.ID) != len("ch_")+24 {
				t.Errorf("charge id %q, want ch_ and 96 random bits in hex", ch.ID)
			}
			if got, err := f.Lookup(ctx, "ord_1"); err != nil || got != ch {
				t.Errorf("Lookup = %+v, %v; want %+v", got, err, ch)
			}
		})
	}
}

func TestChargeValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(*payment.ChargeRequest)
		field string
	}{
		{"no key", func(r *payment.ChargeRequest) { r.IdempotencyKey = "" }, "idempotency_key"},
		{"long key", func(r *payment.ChargeRequest) { r.IdempotencyKey = strings.Repeat("k", 256) }, "idempotency_key"},
		{"control char in key", func(r *payment.ChargeRequest) { r.IdempotencyKey = "ord\n1" }, "idempotency_key"},
		{"zero amount", func(r *payment.ChargeRequest) { r.AmountCents = 0 }, "amount_cents"},
		{"negative amount", func(r *payment.ChargeRequest) { r.AmountCents = -1 }, "amount_cents"},
		{"lower-case currency", func(r *payment.ChargeRequest) { r.Currency = "usd" }, "currency"},
		{"no currency", func(r *payment.ChargeRequest) { r.Currency = "" }, "currency"},
		{"long currency", func(r *payment.ChargeRequest) { r.Currency = "USDX" }, "currency"},
		{"no token", func(r *payment.ChargeRequest) { r.Token = "" }, "payment_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			req := chargeReq("ord_1", "tok_visa")
			tt.edit(&req)
			_, err := f.Charge(context.Background(), req)
			e := wantCode(t, err, apperr.Invalid)
			if len(e.Fields) != 1 || e.Fields[0].Field != tt.field {
				t.Errorf("fields = %+v, want one on %s", e.Fields, tt.field)
			}
			if n := len(f.Charges()); n != 0 {
				t.Errorf("%d charges recorded, want 0", n)
			}
		})
	}
}

func TestChargeIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFake(t)
	first, err := f.Charge(ctx, chargeReq("ord_1", "tok_visa"))
	if err != nil {
		t.Fatal(err)
	}
	// Description and metadata are not part of the match, as with Stripe's
	// dashboard fields; the spaced card number below is a different token.
	again := chargeReq("ord_1", "tok_visa")
	again.Description = "retry"
	again.Metadata = map[string]string{"attempt": "2"}
	second, err := f.Charge(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	if second != first {
		t.Errorf("repeat = %+v, want the first charge %+v", second, first)
	}
	if got := f.ChargeCount("ord_1"); got != 1 {
		t.Errorf("ChargeCount = %d, want 1", got)
	}
	if got := f.Calls(); got != 2 {
		t.Errorf("Calls = %d, want 2", got)
	}
	other, err := f.Charge(ctx, chargeReq("ord_2", "tok_visa"))
	if err != nil {
		t.Fatal(err)
	}
	if other.ID == first.ID {
		t.Errorf("two keys share charge id %s", other.ID)
	}
	if got := len(f.Charges()); got != 2 {
		t.Errorf("%d charges, want 2", got)
	}
}

func TestChargeSpacedCardNumberMatchesItsKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFake(t)
	first, err := f.Charge(ctx, chargeReq("ord_1", "4242424242424242"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := f.Charge(ctx, chargeReq("ord_1", "4242 4242 4242 4242"))
	if err != nil || second != first {
		t.Errorf("spaced repeat = %+v, %v; want the first charge", second, err)
	}
}

func TestChargeSameKeyDifferentParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*payment.ChargeRequest)
	}{
		{"amount", func(r *payment.ChargeRequest) { r.AmountCents++ }},
		{"currency", func(r *payment.ChargeRequest) { r.Currency = "EUR" }},
		{"token", func(r *payment.ChargeRequest) { r.Token = "tok_mastercard" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newFake(t)
			if _, err := f.Charge(ctx, chargeReq("ord_1", "tok_visa")); err != nil {
				t.Fatal(err)
			}
			req := chargeReq("ord_1", "tok_visa")
			tt.edit(&req)
			_, err := f.Charge(ctx, req)
			wantCode(t, err, apperr.Invalid)
			if got := f.ChargeCount("ord_1"); got != 1 {
				t.Errorf("ChargeCount = %d, want 1", got)
			}
		})
	}
}

func TestDeclineIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFake(t)
	req := chargeReq("ord_1", "tok_chargeDeclinedInsufficientFunds")
	_, err1 := f.Charge(ctx, req)
	_, err2 := f.Charge(ctx, req)
	e1 := wantCode(t, err1, apperr.PaymentDeclined)
	e2 := wantCode(t, err2, apperr.PaymentDeclined)
	if e1.Message != e2.Message || e1.Error() != e2.Error() {
		t.Errorf("repeat decline %q, want %q", e2, e1)
	}
	e1.Message = "tampered" // the provider's memory must not be shared with callers
	if _, err := f.Charge(ctx, req); wantCode(t, err, apperr.PaymentDeclined).Message != "Your card has insufficient funds." {
		t.Errorf("remembered decline was altered through a returned error: %v", err)
	}
	// The key is spent on the decline: another card needs another key.
	_, err := f.Charge(ctx, chargeReq("ord_1", "tok_visa"))
	wantCode(t, err, apperr.Invalid)
	if got := f.ChargeCount("ord_1"); got != 0 {
		t.Errorf("ChargeCount = %d, want 0", got)
	}
	if _, err := f.Lookup(ctx, "ord_1"); !errors.Is(err, payment.ErrNoCharge) {
		t.Errorf("Lookup = %v, want ErrNoCharge", err)
	}
}

func TestChargeConcurrentSameKey(t *testing.T) {
	t.Parallel()
	f := payment.NewFake(payment.FakeOptions{Latency: time.Millisecond})
	const n = 200
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ch, err := f.Charge(context.Background(), chargeReq("ord_race", "tok_visa"))
			if err != nil {
				t.Errorf("Charge: %v", err)
				return
			}
			ids[i] = ch.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("racing charges returned ids %s and %s", ids[0], id)
		}
	}
	if got := f.ChargeCount("ord_race"); got != 1 {
		t.Errorf("ChargeCount = %d, want exactly 1", got)
	}
	if got := len(f.Charges()); got != 1 {
		t.Errorf("%d charges, want 1", got)
	}
	if got := f.Calls(); got != n {
		t.Errorf("Calls = %d, want %d", got, n)
	}
}

func TestOutageChargesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFake(t)
	f.OutageNext(2)
	for range 2 {
		_, err := f.Charge(ctx, chargeReq("ord_1", "tok_visa"))
		wantCode(t, err, apperr.Unavailable)
	}
	if got := f.ChargeCount("ord_1"); got != 0 {
		t.Errorf("ChargeCount after outage = %d, want 0", got)
	}
	if got := f.Calls(); got != 0 {
		t.Errorf("Calls = %d, want 0: an outage never reaches the provider", got)
	}
	if _, err := f.Lookup(ctx, "ord_1"); !errors.Is(err, payment.ErrNoCharge) {
		t.Errorf("Lookup = %v, want ErrNoCharge", err)
	}
	// The outage is over and the key was never used: the retry charges.
	if _, err := f.Charge(ctx, chargeReq("ord_1", "tok_visa")); err != nil {
		t.Fatalf("retry after outage: %v", err)
	}
	if got := f.ChargeCount("ord_1"); got != 1 {
		t.Errorf("ChargeCount = %d, want 1", got)
	}
}

func TestProcessingErrorLeavesKeyUnused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFake(t)
	_, err := f.Charge(ctx, chargeReq("ord_1", "tok_processingError"))
	wantCode(t, err, apperr.Unavailable)
	if _, err := f.Charge(ctx, chargeReq("ord_1", "tok_visa")); err != nil {
		t.Fatalf("retry with another card after a processing error: %v", err)
	}
}

func TestLostResponseIsFoundByLookup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFake(t)
	f.LoseResponseNext(1)
	_, err := f.Charge(ctx, chargeReq("ord_1", "tok_visa"))
	wantCode(t, err, apperr.Unavailable)
	if got := f.ChargeCount("ord_1"); got != 1 {
		t.Fatalf("ChargeCount = %d, want 1: the provider charged before the response was lost", got)
	}
	found, err := f.Lookup(ctx, "ord_1")
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if found.ID != f.Charges()[0].ID || found.AmountCents != 6345 {
		t.Errorf("Lookup = %+v, want the recorded charge", found)
	}
	// A retry with the same key gets the charge, not a second one.
	again, err := f.Charge(ctx, chargeReq("ord_1", "tok_visa"))
	if err != nil || again != found {
		t.Errorf("retry = %+v, %v; want %+v", again, err, found)
	}
	if got := f.ChargeCount("ord_1"); got != 1 {
		t.Errorf("ChargeCount = %d, want 1", got)
	}
}

func TestRefund(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFake(t)
	ch, err := f.Charge(ctx, chargeReq("ord_1", "tok_visa"))
	if err != nil {
		t.Fatal(err)
	}
	req := payment.RefundRequest{ChargeID: ch.ID, IdempotencyKey: "ord_1:refund", Reason: "requested_by_customer"}
	rf, err := f.Refund(ctx, req)
	if err != nil {
		t.Fatalf("Refund: %v", err)
	}
	want := payment.Refund{ID: rf.ID, ChargeID: ch.ID, AmountCents: 6345, Status: "succeeded", Created: epoch}
	if rf != want || !strings.HasPrefix(rf.ID, "re_") {
		t.Errorf("refund = %+v, want %+v", rf, want)
	}
	if again, err := f.Refund(ctx, req); err != nil || again != rf {
		t.Errorf("repeat refund = %+v, %v; want %+v", again, err, rf)
	}
	// A new key on a fully refunded charge answers with the existing refund.
	other := req
	other.IdempotencyKey = "admin-click-2"
	if again, err := f.Refund(ctx, other); err != nil || again != rf {
		t.Errorf("refund of a refunded charge = %+v, %v; want %+v", again, err, rf)
	}
	if got := len(f.Refunds()); got != 1 {
		t.Errorf("%d refunds, want 1", got)
	}
	if got, _ := f.Lookup(ctx, "ord_1"); got.RefundedCents != 6345 {
		t.Errorf("RefundedCents = %d, want 6345", got.RefundedCents)
	}
	// The same key for another charge is a mismatch.
	ch2, err := f.Charge(ctx, chargeReq("ord_2", "tok_visa"))
	if err != nil {
		t.Fatal(err)
	}
	reused := req
	reused.ChargeID = ch2.ID
	_, err = f.Refund(ctx, reused)
	wantCode(t, err, apperr.Invalid)
}

func TestRefundPartial(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFake(t)
	ch, err := f.Charge(ctx, chargeReq("ord_1", "tok_visa"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Refund(ctx, payment.RefundRequest{ChargeID: ch.ID, AmountCents: 1000, IdempotencyKey: "r1"}); err != nil {
		t.Fatal(err)
	}
	_, err = f.Refund(ctx, payment.RefundRequest{ChargeID: ch.ID, AmountCents: 6000, IdempotencyKey: "r2"})
	wantCode(t, err, apperr.Invalid)
	rest, err := f.Refund(ctx, payment.RefundRequest{ChargeID: ch.ID, IdempotencyKey: "r3"})
	if err != nil || rest.AmountCents != 5345 {
		t.Fatalf("refund of the rest = %+v, %v; want 5345 cents", rest, err)
	}
	if got := f.Charges()[0].RefundedCents; got != 6345 {
		t.Errorf("RefundedCents = %d, want 6345", got)
	}
}

func TestRefundErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFake(t)
	_, err := f.Charge(ctx, chargeReq("ord_declined", "tok_chargeDeclined"))
	wantCode(t, err, apperr.PaymentDeclined)
	tests := []struct {
		name string
		req  payment.RefundRequest
		code apperr.Code
	}{
		{"unknown charge", payment.RefundRequest{ChargeID: "ch_nope", IdempotencyKey: "k"}, apperr.NotFound},
		{"order key is not a charge id", payment.RefundRequest{ChargeID: "ord_declined", IdempotencyKey: "k"}, apperr.NotFound},
		{"no charge id", payment.RefundRequest{IdempotencyKey: "k"}, apperr.Invalid},
		{"no key", payment.RefundRequest{ChargeID: "ch_nope"}, apperr.Invalid},
		{"negative amount", payment.RefundRequest{ChargeID: "ch_nope", AmountCents: -5, IdempotencyKey: "k"}, apperr.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := f.Refund(ctx, tt.req)
			wantCode(t, err, tt.code)
		})
	}
}

func TestLatencyHonoursContext(t *testing.T) {
	t.Parallel()
	f := payment.NewFake(payment.FakeOptions{Latency: time.Hour})
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	short, stop := context.WithTimeout(context.Background(), 10*time.Millisecond)
	t.Cleanup(stop) // not defer: the parallel subtests run after this function returns
	tests := []struct {
		name  string
		ctx   context.Context
		cause error
	}{
		{"cancelled", cancelled, context.Canceled},
		{"deadline", short, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := f.Charge(tt.ctx, chargeReq("ord_"+tt.name, "tok_visa"))
			wantCode(t, err, apperr.Unavailable)
			if !errors.Is(err, tt.cause) {
				t.Errorf("err = %v, want it to wrap %v", err, tt.cause)
			}
			_, err = f.Refund(tt.ctx, payment.RefundRequest{ChargeID: "ch_x", IdempotencyKey: "k"})
			wantCode(t, err, apperr.Unavailable)
			_, err = f.Lookup(tt.ctx, "ord_"+tt.name)
			wantCode(t, err, apperr.Unavailable)
		})
	}
	t.Cleanup(func() {
		if got := f.Calls(); got != 0 {
			t.Errorf("Calls = %d, want 0: cancelled calls never reach the provider", got)
		}
		if got := len(f.Charges()); got != 0 {
			t.Errorf("%d charges, want 0", got)
		}
	})
}

func TestLookupUnknownKey(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	_, err := f.Lookup(context.Background(), "ord_never")
	if !errors.Is(err, payment.ErrNoCharge) {
		t.Errorf("Lookup = %v, want ErrNoCharge", err)
	}
	_, err = f.Lookup(context.Background(), "")
	wantCode(t, err, apperr.Invalid)
}

func TestChargeRequestValidateAcceptsGoodRequest(t *testing.T) {
	t.Parallel()
	if err := chargeReq("ord_1", "anything").Validate(); err != nil {
		t.Errorf("Validate = %v, want nil: token recognition is the provider's job", err)
	}
}
