// Package payment is the boundary to the card payment provider. Boxoffice never
// moves money itself: it asks a Provider to charge a buyer's card token, and the
// built-in Fake behaves like a real provider in test mode (Stripe's test tokens
// and card numbers, declines, outages and lost responses) so that checkout can be
// exercised end to end without a network.
//
// # Why the order id is the idempotency key
//
// Design invariant 4 says a payment is charged at most once per order, and that a
// successful charge always ends as a paid order, even across a crash between the
// charge and the database commit. Both halves rest on the idempotency key:
//
//   - Checkout creates the order (status pending) first and charges with the order
//     id as ChargeRequest.IdempotencyKey. A retried request, a second server
//     racing on the same order, or a timeout followed by a retry all reach the
//     provider with the same key, and the provider charges once and answers the
//     repeats with the first result. A fresh random key per attempt would turn
//     every retry into a possible double charge.
//   - When the charge succeeded but the response was lost (a timeout) or the
//     process died before committing, the reconcile job asks Lookup(order id):
//     a Charge means the money was taken, so it finishes the order (or refunds
//     it); ErrNoCharge means nothing was taken and the order can be failed.
//
// A decline is remembered under its key too, exactly as a real provider does, so
// a buyer who retries with another card needs a new order (or key), not a replay
// of the declined one: the same key with a different token is apperr.Invalid.
package payment
