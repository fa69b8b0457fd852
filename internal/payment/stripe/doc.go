// Package stripe is the payment.Provider for Stripe, built on the official
// stripe-go SDK (github.com/stripe/stripe-go/v82). Checkout depends only on
// payment.Provider, so this adapter and payment.Fake are interchangeable; this
// package's job is to make Stripe keep the promises of that interface.
//
// # How the interface maps onto Stripe
//
//   - Charge creates and confirms one PaymentIntent (confirm=true, card only,
//     automatic capture) with the Idempotency-Key header set to the order id.
//     Stripe stores the first answer under the key for 24 hours and replays it,
//     decline or success, to every repeat, so a retried checkout, a second
//     server racing on the order or stripe-go's own network retries charge at
//     most once. The order id is also written to the metadata key "order_id",
//     which is what Lookup searches for.
//   - Refund creates a Refund of the PaymentIntent (payment.Charge.ID is the
//     PaymentIntent id, "pi_..."), again with the caller's idempotency key.
//   - Lookup searches PaymentIntents by metadata['order_id'].
//
// # Errors
//
// Every error is an *apperr.Error whose message is safe to show a buyer; the
// Stripe details (type, code, decline_code, request id, Stripe's own message)
// are in the wrapped cause, for the logs, and errors.As finds the
// *stripe.Error of stripe-go in the chain.
//
//   - card_error (HTTP 402) and a PaymentIntent left in requires_payment_method
//     are apperr.PaymentDeclined with Stripe's message ("Your card was
//     declined."), which Stripe writes for buyers. The one exception is code
//     or decline_code processing_error: apperr.Unavailable, nothing charged.
//     Stripe remembers that answer under the key too, so a retry needs a new
//     order (checkout fails the order and the buyer tries again).
//   - requires_action (the card wants 3-D Secure) is apperr.PaymentDeclined:
//     checkout is a synchronous server-side call with no browser step, so the
//     authentication cannot happen. Nothing is charged.
//   - processing (rare for cards) is apperr.Unavailable: the outcome is not
//     known yet and reconciliation looks it up later.
//   - idempotency_error (the key was used with other parameters) is
//     apperr.Invalid. Unlike the fake, Stripe compares every parameter,
//     description and metadata included, so retries must send the same ones.
//   - Other 4xx invalid_request_error answers are apperr.Invalid with a
//     generic message, the Stripe error code and, when Stripe names the
//     parameter, the matching field (payment_token, amount_cents, ...).
//     Stripe's developer-facing message stays in the cause.
//   - 404 / resource_missing on a refund is apperr.NotFound; on a charge it
//     is an unknown payment method, apperr.Invalid.
//   - 401/403 (a wrong or revoked key) is apperr.Unavailable, nothing done:
//     it is the operator's problem, not the buyer's.
//   - 409 idempotency_key_in_use, 429, 5xx, network errors and timeouts are
//     apperr.Unavailable saying the charge may or may not have gone through,
//     so checkout asks Lookup and, failing that, leaves the order to the
//     reconcile job.
//
// # Lookup and search consistency
//
// Stripe cannot look a PaymentIntent up by idempotency key, so Lookup uses the
// Search API, which is eventually consistent: a new PaymentIntent is normally
// searchable within a minute (Stripe: longer during its outages). This is why
// the reconcile job only looks at orders pending for over a minute; with
// Stripe give it a grace of at least that (two minutes is safer). Within one
// process the Provider also remembers keys whose Charge ended with an
// uncertain outcome; for Options.SearchLag after that, Lookup answers
// apperr.Unavailable ("cannot tell yet") instead of payment.ErrNoCharge when
// the search finds nothing, so checkout's immediate Lookup after a timeout
// leaves the order pending instead of failing an order that was charged.
// Stripe keeps idempotency keys for 24 hours: an order still pending after
// that must not be charged again with the same key.
//
// # No webhooks
//
// There is no webhook endpoint and none is needed: checkout charges
// synchronously and learns the outcome from the response, and the reconcile
// job polls Lookup for the rare order whose response was lost. Refunds are
// made and reported synchronously as well.
//
// # Test tokens
//
// The fake's test tokens work unchanged: tok_X becomes Stripe's test
// PaymentMethod pm_card_X (tok_processingError becomes
// pm_card_chargeDeclinedProcessingError), the fake's test card numbers map to
// the same PaymentMethods, and a real PaymentMethod id (pm_...) from
// Stripe.js passes through. Other raw card numbers are rejected: they must
// never reach our servers, let alone Stripe's API.
package stripe
