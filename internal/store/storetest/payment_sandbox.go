package storetest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/ids"
	"github.com/boxoffice/boxoffice/internal/payment"
)

// exercisePaymentSandbox checks the engine's payment.Ledger through two
// sandbox providers on it, as two instances on one database would have:
// they must behave as one provider.
func exercisePaymentSandbox(t *testing.T, newStore func(t *testing.T) Engine) {
	parallel(t, newStore, map[string]func(t *testing.T, s Engine){
		"OneProviderForTwoInstances": testSandboxOneProvider,
		"DeclineRemembered":          testSandboxDecline,
		"RefundRules":                testSandboxRefunds,
		"ConcurrentChargesOneKey":    testSandboxConcurrentCharges,
		"ConcurrentChargesManyKeys":  testSandboxConcurrentChargesManyKeys,
		"ConcurrentRefundsOneCharge": testSandboxConcurrentRefunds,
	})
}

// twoInstances returns two sandbox providers on s's ledger.
func twoInstances(s Engine) (a, b *payment.Fake) {
	clk := func() time.Time { return now }
	return payment.NewFake(payment.FakeOptions{Now: clk, Ledger: s.PaymentLedger()}),
		payment.NewFake(payment.FakeOptions{Now: clk, Ledger: s.PaymentLedger()})
}

// alternate spreads request i over the two instances' providers.
func alternate(a, b *payment.Fake, i int) *payment.Fake {
	if i%2 == 1 {
		return b
	}
	return a
}

func chargeReq(key string, amount int64, token string) payment.ChargeRequest {
	return payment.ChargeRequest{IdempotencyKey: key, AmountCents: amount, Currency: "USD", Token: token}
}

func wantCode(t *testing.T, err error, code apperr.Code, what string) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Errorf("%s: %v, want %s", what, err, code)
	}
}

func testSandboxOneProvider(t *testing.T, s Engine) {
	ctx := context.Background()
	a, b := twoInstances(s)
	key := ids.New("ord")
	ch, err := a.Charge(ctx, chargeReq(key, 6345, "tok_visa"))
	if err != nil || ch.ID == "" || ch.AmountCents != 6345 || ch.CardBrand != "visa" || ch.Last4 != "4242" || !ch.Created.Equal(now) {
		t.Fatalf("charge on A: %+v, %v", ch, err)
	}
	again, err := b.Charge(ctx, chargeReq(key, 6345, "tok_visa"))
	if err != nil || again != ch {
		t.Errorf("replay on B: %+v, %v; want A's charge %+v", again, err, ch)
	}
	_, err = b.Charge(ctx, chargeReq(key, 6346, "tok_visa"))
	wantCode(t, err, apperr.Invalid, "same key, other amount, on B")
	if got, err := b.Lookup(ctx, key); err != nil || got.ID != ch.ID {
		t.Errorf("lookup on B: %+v, %v", got, err)
	}
	if _, err := b.Lookup(ctx, ids.New("ord")); err != payment.ErrNoCharge {
		t.Errorf("lookup of an unused key: %v, want ErrNoCharge", err)
	}
	rf, err := b.Refund(ctx, payment.RefundRequest{ChargeID: ch.ID, IdempotencyKey: "refund_" + key})
	if err != nil || rf.AmountCents != 6345 || rf.ChargeID != ch.ID {
		t.Fatalf("refund on B of A's charge: %+v, %v", rf, err)
	}
	if got, err := a.Lookup(ctx, key); err != nil || got.RefundedCents != 6345 {
		t.Errorf("A sees the charge refunded %v cents (%v), want 6345", got.RefundedCents, err)
	}
	if n := a.ChargeCount(key); n != 1 {
		t.Errorf("%d charges with key %s in the ledger, want 1", n, key)
	}
}

func testSandboxDecline(t *testing.T, s Engine) {
	ctx := context.Background()
	a, b := twoInstances(s)
	key := ids.New("ord")
	_, err := a.Charge(ctx, chargeReq(key, 1000, "tok_chargeDeclinedInsufficientFunds"))
	wantCode(t, err, apperr.PaymentDeclined, "declined card")
	_, err = b.Charge(ctx, chargeReq(key, 1000, "tok_chargeDeclinedInsufficientFunds"))
	if apperr.CodeOf(err) != apperr.PaymentDeclined || !strings.Contains(err.Error(), "insufficient funds") {
		t.Errorf("replay of a decline on B: %v", err)
	}
	_, err = b.Charge(ctx, chargeReq(key, 1000, "tok_visa"))
	wantCode(t, err, apperr.Invalid, "the declined key with another card")
	if _, err := a.Lookup(ctx, key); err != payment.ErrNoCharge {
		t.Errorf("lookup of a declined key: %v, want ErrNoCharge", err)
	}
	// A processing error remembers nothing: the key may succeed later.
	key2 := ids.New("ord")
	_, err = a.Charge(ctx, chargeReq(key2, 1000, "tok_processingError"))
	wantCode(t, err, apperr.Unavailable, "processing error")
	if _, err := b.Charge(ctx, chargeReq(key2, 1000, "tok_processingError")); apperr.CodeOf(err) != apperr.Unavailable {
		t.Errorf("processing error again: %v", err)
	}
	if len(a.Charges()) != 0 {
		t.Errorf("charges after declines and errors: %+v, want none", a.Charges())
	}
}

func testSandboxRefunds(t *testing.T, s Engine) {
	ctx := context.Background()
	a, b := twoInstances(s)
	ch, err := a.Charge(ctx, chargeReq(ids.New("ord"), 5000, "tok_mastercard"))
	if err != nil {
		t.Fatal(err)
	}
	r1, err := a.Refund(ctx, payment.RefundRequest{ChargeID: ch.ID, AmountCents: 2000, IdempotencyKey: "part-1"})
	if err != nil || r1.AmountCents != 2000 {
		t.Fatalf("partial refund: %+v, %v", r1, err)
	}
	if again, err := b.Refund(ctx, payment.RefundRequest{ChargeID: ch.ID, AmountCents: 2000, IdempotencyKey: "part-1"}); err != nil || again != r1 {
		t.Errorf("replayed refund on B: %+v, %v; want %+v", again, err, r1)
	}
	_, err = b.Refund(ctx, payment.RefundRequest{ChargeID: ch.ID, AmountCents: 2500, IdempotencyKey: "part-1"})
	wantCode(t, err, apperr.Invalid, "refund key reused with another amount")
	_, err = b.Refund(ctx, payment.RefundRequest{ChargeID: ch.ID, AmountCents: 3001, IdempotencyKey: "too-much"})
	wantCode(t, err, apperr.Invalid, "refund over what is left")
	rest, err := b.Refund(ctx, payment.RefundRequest{ChargeID: ch.ID, IdempotencyKey: "rest"})
	if err != nil || rest.AmountCents != 3000 {
		t.Fatalf("refund of the rest: %+v, %v", rest, err)
	}
	if late, err := a.Refund(ctx, payment.RefundRequest{ChargeID: ch.ID, IdempotencyKey: "late"}); err != nil || late != rest {
		t.Errorf("refund of a fully refunded charge: %+v, %v; want the latest refund %+v", late, err, rest)
	}
	_, err = a.Refund(ctx, payment.RefundRequest{ChargeID: "ch_missing", IdempotencyKey: "nope"})
	wantCode(t, err, apperr.NotFound, "refund of an unknown charge")
	if rs := a.Refunds(); len(rs) != 2 || rs[0] != r1 || rs[1] != rest {
		t.Errorf("ledger refunds %+v, want the partial refund then the rest", rs)
	}
}

// testSandboxConcurrentCharges: many requests with one key, spread over
// both providers at once, make one charge and all get it.
func testSandboxConcurrentCharges(t *testing.T, s Engine) {
	ctx := context.Background()
	a, b := twoInstances(s)
	key := ids.New("ord")
	const n = 20
	got := make([]payment.Charge, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		p := alternate(a, b, i)
		wg.Go(func() { got[i], errs[i] = p.Charge(ctx, chargeReq(key, 2500, "tok_visa")) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || got[i].ID != got[0].ID {
			t.Errorf("request %d: %+v, %v; want the one charge %s", i, got[i], errs[i], got[0].ID)
		}
	}
	if c := a.ChargeCount(key); c != 1 {
		t.Errorf("%d requests with one key made %d charges, want 1", n, c)
	}
}

// testSandboxConcurrentChargesManyKeys: charges under different keys at
// once (the SQLite engine writes them in shared transactions) each make
// their own charge, and the ledger has every one.
func testSandboxConcurrentChargesManyKeys(t *testing.T, s Engine) {
	ctx := context.Background()
	a, b := twoInstances(s)
	const n = 40
	keys := make([]string, n)
	got := make([]payment.Charge, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		keys[i] = ids.New("ord")
		p := alternate(a, b, i)
		wg.Go(func() { got[i], errs[i] = p.Charge(ctx, chargeReq(keys[i], int64(1000+i), "tok_visa")) })
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range n {
		if errs[i] != nil || got[i].AmountCents != int64(1000+i) || seen[got[i].ID] {
			t.Errorf("request %d: %+v, %v; want its own charge of %d", i, got[i], errs[i], 1000+i)
		}
		seen[got[i].ID] = true
		if c := a.ChargeCount(keys[i]); c != 1 {
			t.Errorf("key %d made %d charges, want 1", i, c)
		}
	}
}

// testSandboxConcurrentRefunds: full refunds of one charge under
// different keys, at once from both providers, give the money back once.
func testSandboxConcurrentRefunds(t *testing.T, s Engine) {
	ctx := context.Background()
	a, b := twoInstances(s)
	ch, err := a.Charge(ctx, chargeReq(ids.New("ord"), 7777, "tok_amex"))
	if err != nil {
		t.Fatal(err)
	}
	const n = 12
	got := make([]payment.Refund, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		p := alternate(a, b, i)
		wg.Go(func() {
			got[i], errs[i] = p.Refund(ctx, payment.RefundRequest{ChargeID: ch.ID, IdempotencyKey: ids.New("rfk")})
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || got[i].ID != got[0].ID || got[i].AmountCents != 7777 {
			t.Errorf("refund %d: %+v, %v; want the one full refund", i, got[i], errs[i])
		}
	}
	if rs := a.Refunds(); len(rs) != 1 {
		t.Errorf("%d concurrent full refunds made %d refunds, want 1: %+v", n, len(rs), rs)
	}
	if c, _ := b.Lookup(ctx, ch.IdempotencyKey); c.RefundedCents != 7777 {
		t.Errorf("refunded %d cents, want 7777", c.RefundedCents)
	}
}
