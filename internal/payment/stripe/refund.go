package stripe

import (
	"context"
	"errors"
	"time"
	"unicode/utf8"

	stripego "github.com/stripe/stripe-go/v82"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/payment"
)

// metaReason carries our free-text refund reason; Stripe's own reason field
// is an enum.
const (
	metaReason     = "reason"
	maxMetaValue   = 500 // Stripe's limit on a metadata value, in characters
	refundsToCheck = 10  // how many recent refunds latestRefund looks through
)

// Refund implements payment.Provider: a Refund of the PaymentIntent
// req.ChargeID with the Idempotency-Key header set to req.IdempotencyKey, so a
// retried refund gives money back once. AmountCents 0 is omitted, which Stripe
// takes as "whatever is left". Stripe's reason is requested_by_customer (the
// only one of its enum that fits a box office); ours goes to the metadata.
//
// Refunding a PaymentIntent that is already fully refunded returns its latest
// refund instead of Stripe's charge_already_refunded error, as the interface
// promises, so a second "refund in full" is harmless. An unknown id is
// apperr.NotFound. Status is Stripe's refund status: "succeeded" for cards,
// "pending" while the bank has not confirmed.
func (p *Provider) Refund(ctx context.Context, req payment.RefundRequest) (payment.Refund, error) {
	if err := req.Validate(); err != nil {
		return payment.Refund{}, err
	}
	if err := validateKey(req.IdempotencyKey); err != nil {
		return payment.Refund{}, err
	}
	if err := ctx.Err(); err != nil {
		return payment.Refund{}, apperr.Wrap(apperr.Unavailable, err, "%s", msgNothingRefunded)
	}
	params := &stripego.RefundCreateParams{
		PaymentIntent: stripego.String(req.ChargeID),
		Reason:        stripego.String(string(stripego.RefundReasonRequestedByCustomer)),
	}
	if req.AmountCents > 0 {
		params.Amount = stripego.Int64(req.AmountCents)
	}
	if req.Reason != "" {
		params.Metadata = map[string]string{metaReason: truncate(req.Reason, maxMetaValue)}
	}
	params.SetIdempotencyKey(req.IdempotencyKey)
	r, err := p.client.V1Refunds.Create(ctx, params)
	if err == nil {
		return refundFrom(r, req.ChargeID), nil
	}
	var se *stripego.Error
	if errors.As(err, &se) {
		switch {
		case se.Code == stripego.ErrorCodeChargeAlreadyRefunded:
			return p.latestRefund(ctx, req.ChargeID, err)
		case se.Code == stripego.ErrorCodeResourceMissing || se.HTTPStatusCode == 404:
			return payment.Refund{}, apperr.Wrap(apperr.NotFound, p.cause(se), "no such charge %q", req.ChargeID)
		}
	}
	return payment.Refund{}, p.mapError(opRefund, err)
}

// latestRefund answers a refund of a fully refunded PaymentIntent with its
// newest refund that did not fail (Stripe lists newest first). refused is
// Stripe's charge_already_refunded error, returned mapped should there be no
// such refund after all.
func (p *Provider) latestRefund(ctx context.Context, chargeID string, refused error) (payment.Refund, error) {
	params := &stripego.RefundListParams{PaymentIntent: stripego.String(chargeID)}
	params.Limit = stripego.Int64(refundsToCheck)
	n := 0
	for r, err := range p.client.V1Refunds.List(ctx, params) {
		if err != nil {
			return payment.Refund{}, p.mapError(opRefund, err)
		}
		if r.Status != stripego.RefundStatusFailed && r.Status != stripego.RefundStatusCanceled {
			return refundFrom(r, chargeID), nil
		}
		if n++; n >= refundsToCheck {
			break
		}
	}
	return payment.Refund{}, p.mapError(opRefund, refused)
}

// refundFrom is the payment.Refund of a Stripe refund of chargeID.
func refundFrom(r *stripego.Refund, chargeID string) payment.Refund {
	id := chargeID
	if r.PaymentIntent != nil && r.PaymentIntent.ID != "" {
		id = r.PaymentIntent.ID
	}
	return payment.Refund{
		ID:          r.ID,
		ChargeID:    id,
		AmountCents: r.Amount,
		Status:      string(r.Status),
		Created:     time.Unix(r.Created, 0).UTC(),
	}
}

// truncate shortens s to at most n characters, on a character boundary.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}
