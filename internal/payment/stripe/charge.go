package stripe

import (
	"context"
	"fmt"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v82"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/payment"
)

// metaOrderID is the metadata key that carries the idempotency key (the order
// id) on every PaymentIntent, for Lookup and for people reading the dashboard.
const metaOrderID = "order_id"

// Charge implements payment.Provider by creating and confirming one card
// PaymentIntent with the Idempotency-Key header set to req.IdempotencyKey, so
// that Stripe charges once per key however often the request is repeated.
// A succeeded PaymentIntent is the Charge (its id is Charge.ID); every other
// outcome is an *apperr.Error as the package comment describes.
func (p *Provider) Charge(ctx context.Context, req payment.ChargeRequest) (payment.Charge, error) {
	if err := req.Validate(); err != nil {
		return payment.Charge{}, err
	}
	if err := validateKey(req.IdempotencyKey); err != nil {
		return payment.Charge{}, err
	}
	pm, err := paymentMethodFor(req.Token)
	if err != nil {
		return payment.Charge{}, err
	}
	if err := ctx.Err(); err != nil {
		return payment.Charge{}, apperr.Wrap(apperr.Unavailable, err, "%s", msgNothingCharged)
	}
	pi, err := p.client.V1PaymentIntents.Create(ctx, chargeParams(req, pm))
	if err != nil {
		return payment.Charge{}, p.settleCharge(req.IdempotencyKey, p.mapError(opCharge, err))
	}
	c, aerr := p.intentOutcome(pi, req.IdempotencyKey)
	if aerr != nil {
		return payment.Charge{}, p.settleCharge(req.IdempotencyKey, aerr)
	}
	p.settle(req.IdempotencyKey)
	return c, nil
}

// settleCharge records whether a failed charge left its outcome unknown (see
// Lookup) and returns err.
func (p *Provider) settleCharge(key string, err *apperr.Error) error {
	if isUncertain(err) {
		p.markUncertain(key)
	} else {
		p.settle(key)
	}
	return err
}

// chargeParams is the PaymentIntent create request: confirmed at once, cards
// only (no redirect-based methods, so no return_url), the order id in the
// metadata, and latest_charge expanded for the card's brand and last four.
func chargeParams(req payment.ChargeRequest, pm string) *stripego.PaymentIntentCreateParams {
	meta := make(map[string]string, len(req.Metadata)+1)
	for k, v := range req.Metadata {
		meta[k] = v
	}
	meta[metaOrderID] = req.IdempotencyKey
	params := &stripego.PaymentIntentCreateParams{
		Amount:             stripego.Int64(req.AmountCents),
		Currency:           stripego.String(strings.ToLower(req.Currency)),
		Confirm:            stripego.Bool(true),
		PaymentMethod:      stripego.String(pm),
		PaymentMethodTypes: stripego.StringSlice([]string{"card"}),
		Metadata:           meta,
	}
	if req.Description != "" {
		params.Description = stripego.String(req.Description)
	}
	params.AddExpand("latest_charge")
	params.SetIdempotencyKey(req.IdempotencyKey)
	return params
}

// intentOutcome reads a PaymentIntent that Stripe accepted (HTTP 200): only
// succeeded is a charge.
//
//   - requires_payment_method: the payment attempt failed, a decline (with
//     Stripe's message from last_payment_error when there is one);
//   - requires_action: the card wants 3-D Secure, which a server-side
//     checkout cannot do, so a decline that says so; nothing was charged;
//   - processing: not decided yet, apperr.Unavailable, and reconciliation
//     finds it with Lookup once it has succeeded;
//   - anything else (requires_capture, canceled, ...) cannot follow from our
//     request and is treated as an uncertain outcome too.
func (p *Provider) intentOutcome(pi *stripego.PaymentIntent, key string) (payment.Charge, *apperr.Error) {
	cause := func() error {
		s := fmt.Sprintf("stripe: PaymentIntent %s is %s", pi.ID, pi.Status)
		if e := pi.LastPaymentError; e != nil {
			s += fmt.Sprintf(" (last_payment_error %s code=%s decline_code=%s)", e.Type, e.Code, e.DeclineCode)
		}
		return &stripeCause{text: p.scrubText(s)}
	}
	switch pi.Status {
	case stripego.PaymentIntentStatusSucceeded:
		return chargeFromIntent(pi, key), nil
	case stripego.PaymentIntentStatusRequiresPaymentMethod:
		e := pi.LastPaymentError
		if e == nil || e.Type != stripego.ErrorTypeCard {
			e = &stripego.Error{}
		}
		return payment.Charge{}, cardFailure(e, cause())
	case stripego.PaymentIntentStatusRequiresAction:
		return payment.Charge{}, apperr.Wrap(apperr.PaymentDeclined, cause(), "%s", msgNeeds3DS)
	case stripego.PaymentIntentStatusProcessing:
		return payment.Charge{}, apperr.Wrap(apperr.Unavailable, cause(), "%s", msgStillProcessing)
	}
	return payment.Charge{}, apperr.Wrap(apperr.Unavailable, cause(), "%s", msgChargeUncertain)
}

// chargeFromIntent is the payment.Charge of a succeeded PaymentIntent. The
// card details and the refunded amount come from its latest charge, when it
// was expanded; Currency is upper-case like ours (Stripe's is lower-case).
func chargeFromIntent(pi *stripego.PaymentIntent, key string) payment.Charge {
	c := payment.Charge{
		ID:             pi.ID,
		IdempotencyKey: key,
		AmountCents:    pi.Amount,
		Currency:       strings.ToUpper(string(pi.Currency)),
		Status:         payment.StatusSucceeded,
		Created:        time.Unix(pi.Created, 0).UTC(),
	}
	if ch := pi.LatestCharge; ch != nil {
		c.RefundedCents = ch.AmountRefunded
		if d := ch.PaymentMethodDetails; d != nil && d.Card != nil {
			c.CardBrand = string(d.Card.Brand)
			c.Last4 = d.Card.Last4
		}
	}
	return c
}
