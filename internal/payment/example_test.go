package payment_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/payment"
)

// Checkout charges with the order id as the idempotency key, so a retry can
// never charge twice; when the answer is lost, the reconcile job asks Lookup.
func ExampleFake() {
	ctx := context.Background()
	p := payment.NewFake(payment.FakeOptions{})
	req := payment.ChargeRequest{
		IdempotencyKey: "ord_7Qx2", // the order id
		AmountCents:    6345,
		Currency:       "USD",
		Token:          "tok_visa",
	}

	// The provider charges, but the response is lost in a timeout.
	p.LoseResponseNext(1)
	_, err := p.Charge(ctx, req)
	fmt.Println("checkout sees:", apperr.CodeOf(err))

	// Reconciliation: did the order's key produce a charge?
	ch, err := p.Lookup(ctx, "ord_7Qx2")
	switch {
	case errors.Is(err, payment.ErrNoCharge):
		fmt.Println("nothing charged: fail the order")
	case err != nil:
		fmt.Println("provider unavailable: try again later")
	default:
		fmt.Println("charged:", ch.AmountCents, ch.Currency, ch.CardBrand, ch.Last4)
	}

	// Retrying checkout with the same key returns the same charge.
	again, _ := p.Charge(ctx, req)
	fmt.Println("same charge:", again.ID == ch.ID, "charges made:", p.ChargeCount("ord_7Qx2"))

	// A decline carries a message that is safe to show the buyer.
	_, err = p.Charge(ctx, payment.ChargeRequest{
		IdempotencyKey: "ord_9Kd1", AmountCents: 6345, Currency: "USD",
		Token: "tok_chargeDeclinedInsufficientFunds",
	})
	if e, ok := apperr.As(err); ok && e.Code == apperr.PaymentDeclined {
		fmt.Println("declined:", e.Message)
	}

	// Output:
	// checkout sees: unavailable
	// charged: 6345 USD visa 4242
	// same charge: true charges made: 1
	// declined: Your card has insufficient funds.
}
