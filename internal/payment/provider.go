package payment

import (
	"context"
	"errors"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
)

// Provider is a card payment provider. Checkout depends on this interface, not
// on a vendor SDK, so the fake and a real adapter are interchangeable.
type Provider interface {
	// Name identifies the provider in orders ("payment": {"provider": ...}) and logs.
	Name() string
	// Charge charges once per IdempotencyKey: a repeat with the same key and the same
	// amount/currency/token returns the first result (success, or the same decline error) without charging again;
	// the same key with different parameters is an error (apperr.Invalid, like Stripe's idempotency_key_in_use/mismatch).
	// A decline is an *apperr.Error with code apperr.PaymentDeclined and a buyer-safe message (e.g. "Your card was declined.",
	// "Your card has insufficient funds."); a provider outage/timeout is apperr.Unavailable and charges nothing.
	Charge(ctx context.Context, req ChargeRequest) (Charge, error)
	// Refund refunds a succeeded charge in full, at most once per idempotency key; refunding an
	// already fully refunded charge returns the existing refund. Unknown charge → apperr.NotFound.
	Refund(ctx context.Context, req RefundRequest) (Refund, error)
	// Lookup returns the charge that was made with an idempotency key, for reconciliation after a crash
	// between charge and commit; ErrNoCharge (a sentinel, errors.Is-able) when the key never produced a successful charge.
	Lookup(ctx context.Context, idempotencyKey string) (Charge, error)
}

// ErrNoCharge is Lookup's answer when an idempotency key never produced a
// successful charge (never seen, declined, or failed before charging). It is a
// plain sentinel, not an *apperr.Error: it is a fact for the reconcile job, not
// an error to show a client.
var ErrNoCharge = errors.New("payment: no charge for this idempotency key")

// Status values of Charge and Refund. Only successful charges exist as Charge
// values; a decline is an error, not a charge.
const (
	StatusSucceeded = "succeeded"
)

// ChargeRequest asks for one charge. IdempotencyKey is the order id (see the
// package comment); Description and Metadata are for the provider's dashboard
// and take no part in idempotency matching.
type ChargeRequest struct {
	IdempotencyKey string
	AmountCents    int64
	Currency       string
	Token          string
	Description    string
	Metadata       map[string]string
}

// Charge is a successful charge as the provider recorded it. RefundedCents
// grows as refunds are made; the charge itself is never deleted.
type Charge struct {
	ID             string
	IdempotencyKey string
	AmountCents    int64
	Currency       string
	Status         string // "succeeded"
	CardBrand      string
	Last4          string
	RefundedCents  int64
	Created        time.Time
}

// RefundRequest asks to give back money from a charge. AmountCents 0 means
// whatever has not been refunded yet (a full refund). IdempotencyKey is
// required so that a retried refund (an admin double-click, a job rerun) gives
// money back once; derive it from the order, e.g. order id + ":refund".
type RefundRequest struct {
	ChargeID       string
	AmountCents    int64
	IdempotencyKey string
	Reason         string
}

// Refund is a refund as the provider recorded it.
type Refund struct {
	ID          string
	ChargeID    string
	AmountCents int64
	Status      string // "succeeded"
	Created     time.Time
}

// maxKeyLen is the longest idempotency key accepted, as in the API contract and Stripe.
const maxKeyLen = 255

// Validate reports every malformed field of r as one apperr.Invalid. Providers
// call it before doing anything, so a bad request never charges.
func (r ChargeRequest) Validate() error {
	var f apperr.Fields
	checkKey(&f, r.IdempotencyKey)
	if r.AmountCents <= 0 {
		f.Add("amount_cents", "must be positive")
	}
	if !validCurrency(r.Currency) {
		f.Add("currency", "must be a 3-letter upper-case ISO 4217 code")
	}
	if r.Token == "" {
		f.Add("payment_token", "is required")
	}
	return f.Err()
}

// Validate reports every malformed field of r as one apperr.Invalid.
func (r RefundRequest) Validate() error {
	var f apperr.Fields
	if r.ChargeID == "" {
		f.Add("charge_id", "is required")
	}
	if r.AmountCents < 0 {
		f.Add("amount_cents", "must not be negative (0 refunds in full)")
	}
	checkKey(&f, r.IdempotencyKey)
	return f.Err()
}

func checkKey(f *apperr.Fields, key string) {
	if key == "" || len(key) > maxKeyLen {
		f.Add("idempotency_key", "must be 1 to %d characters", maxKeyLen)
		return
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7e {
			f.Add("idempotency_key", "must be printable ASCII")
			return
		}
	}
}

func validCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}
