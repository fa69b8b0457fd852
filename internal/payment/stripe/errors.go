package stripe

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	stripego "github.com/stripe/stripe-go/v82"

	"github.com/boxoffice/boxoffice/internal/apperr"
)

// op names the operation an error came from: the same Stripe error means
// "maybe charged" after a charge and "maybe refunded" after a refund.
type op int

const (
	opCharge op = iota
	opRefund
	opLookup
)

// Buyer-safe messages. The uncertain ones say so, because checkout reacts to
// an uncertain outcome by looking the charge up rather than failing the order.
const (
	msgChargeUncertain = "The payment provider did not answer in time; the charge may or may not have gone through."
	msgRefundUncertain = "The payment provider did not answer in time; the refund may or may not have been made."
	msgLookupFailed    = "The payment provider could not be asked about the charge; try again later."
	msgNothingCharged  = "The payment provider is unavailable; nothing was charged."
	msgNothingRefunded = "The payment provider is unavailable; nothing was refunded."
	msgProcessingError = "The payment provider had a processing error; nothing was charged."
	msgDeclined        = "Your card was declined."
	msgNeeds3DS        = "Your card requires 3-D Secure authentication, which this checkout does not support; nothing was charged. Please use another card."
	msgStillProcessing = "The payment is still processing; it may or may not go through."
	msgCannotTellYet   = "The payment provider cannot tell yet whether the charge went through; try again in a minute."
)

func (o op) uncertain() string {
	switch o {
	case opCharge:
		return msgChargeUncertain
	case opRefund:
		return msgRefundUncertain
	}
	return msgLookupFailed
}

func (o op) notDone() string {
	switch o {
	case opCharge:
		return msgNothingCharged
	case opRefund:
		return msgNothingRefunded
	}
	return msgLookupFailed
}

func (o op) noun() string {
	if o == opRefund {
		return "refund"
	}
	return "charge"
}

// isUncertain reports whether err says a charge may or may not have happened,
// the case in which Lookup must not trust an empty search (see Lookup).
func isUncertain(err *apperr.Error) bool {
	return err.Code == apperr.Unavailable && (err.Message == msgChargeUncertain || err.Message == msgStillProcessing)
}

// mapError turns what stripe-go returned into an *apperr.Error; see the
// package comment for the table. Anything that is not a Stripe API error (a
// refused connection, a timeout, a cancelled ctx, an HTML page from a proxy)
// is an uncertain outage: the request may have reached Stripe.
func (p *Provider) mapError(o op, err error) *apperr.Error {
	var se *stripego.Error
	if !errors.As(err, &se) {
		return apperr.Wrap(apperr.Unavailable, p.scrub(err), "%s", o.uncertain())
	}
	cause := p.cause(se)
	switch {
	case se.Type == stripego.ErrorTypeCard && o == opCharge:
		return cardFailure(se, cause)
	case se.Type == stripego.ErrorTypeIdempotency:
		return apperr.Wrap(apperr.Invalid, cause, "The idempotency key was already used with different %s parameters.", o.noun())
	case se.Code == stripego.ErrorCodeIdempotencyKeyInUse || se.HTTPStatusCode == http.StatusConflict:
		// Another request with this key is still running at Stripe: its
		// outcome is unknown, not invalid.
		return apperr.Wrap(apperr.Unavailable, cause, "%s", o.uncertain())
	case se.HTTPStatusCode == http.StatusUnauthorized || se.HTTPStatusCode == http.StatusForbidden:
		// A wrong or revoked key: Stripe did nothing, and it is ours to fix.
		return apperr.Wrap(apperr.Unavailable, cause, "%s", o.notDone())
	case se.HTTPStatusCode == http.StatusTooManyRequests || se.HTTPStatusCode >= 500 || se.Type == stripego.ErrorTypeAPI:
		return apperr.Wrap(apperr.Unavailable, cause, "%s", o.uncertain())
	case se.HTTPStatusCode >= 400:
		return rejected(se, cause)
	}
	return apperr.Wrap(apperr.Unavailable, cause, "%s", o.uncertain())
}

// cardFailure is a card_error or a PaymentIntent left without a successful
// payment: a decline with Stripe's buyer-facing message, except that a
// processing error is an outage that charged nothing.
func cardFailure(se *stripego.Error, cause error) *apperr.Error {
	if se.Code == stripego.ErrorCodeProcessingError || se.DeclineCode == "processing_error" {
		return apperr.Wrap(apperr.Unavailable, cause, "%s", msgProcessingError)
	}
	msg := strings.TrimSpace(se.Msg)
	if msg == "" {
		msg = msgDeclined
	}
	return apperr.Wrap(apperr.PaymentDeclined, cause, "%s", msg)
}

// rejected is a 4xx that Stripe considers our mistake. Stripe's message is
// written for developers, so it stays in the cause; the client gets the
// field (when Stripe names the parameter) and Stripe's stable error code.
func rejected(se *stripego.Error, cause error) *apperr.Error {
	why := "was rejected by the payment provider"
	if se.Code != "" {
		why += " (" + string(se.Code) + ")"
	}
	e := &apperr.Error{Code: apperr.Invalid, Err: cause}
	if field := fieldFor(se.Param); field != "" {
		e.Fields = []apperr.FieldError{{Field: field, Message: why}}
		e.Message = field + ": " + why
	} else {
		e.Message = "The request " + why + "."
	}
	return e
}

// fieldFor names our field for a Stripe request parameter, "" when there is
// no such field (the parameter is one this package fills in).
func fieldFor(param string) string {
	switch param {
	case "payment_method", "payment_method_data":
		return "payment_token"
	case "amount":
		return "amount_cents"
	case "currency":
		return "currency"
	case "payment_intent", "charge":
		return "charge_id"
	}
	return ""
}

// stripeCause is the log-side text of a failure: Stripe's type, codes,
// request id and message, with the secret key scrubbed. Unwrap yields
// stripe-go's error, so errors.As finds the *stripe.Error.
type stripeCause struct {
	text string
	err  error
}

func (c *stripeCause) Error() string { return c.text }
func (c *stripeCause) Unwrap() error { return c.err }

// cause describes se for the logs.
func (p *Provider) cause(se *stripego.Error) error {
	var b strings.Builder
	fmt.Fprintf(&b, "stripe: HTTP %d %s", se.HTTPStatusCode, se.Type)
	for _, kv := range [][2]string{{"code", string(se.Code)}, {"decline_code", string(se.DeclineCode)},
		{"param", se.Param}, {"request", se.RequestID}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, " %s=%s", kv[0], kv[1])
		}
	}
	if se.Msg != "" {
		b.WriteString(": " + se.Msg)
	}
	return &stripeCause{text: p.scrubText(b.String()), err: se}
}

// scrub wraps a non-Stripe error with its text scrubbed of the key.
func (p *Provider) scrub(err error) error {
	return &stripeCause{text: "stripe: " + p.scrubText(err.Error()), err: err}
}

// scrubText masks the secret key wherever it appears: a misbehaving proxy or
// server may echo the Authorization header into a message.
func (p *Provider) scrubText(s string) string {
	if p.key == "" || !strings.Contains(s, p.key) {
		return s
	}
	return strings.ReplaceAll(s, p.key, maskKey(p.key))
}
