package payment

import "strings"

// testCard is what the fake provider knows about one test token or card number.
// The tokens and numbers are Stripe's test-mode ones, so a buyer (or a load test)
// who knows one provider's test mode knows ours.
type testCard struct {
	brand, last4 string
	// declineCode and declineMsg are set for cards that are declined: the code
	// goes to the logs, the message to the buyer.
	declineCode, declineMsg string
	// processingError makes the provider fail as an outage: nothing is charged.
	processingError bool
}

// Buyer-safe decline messages, worded as card networks and Stripe word them.
const (
	msgDeclined          = "Your card was declined."
	msgInsufficientFunds = "Your card has insufficient funds."
	msgExpired           = "Your card has expired."
	msgIncorrectCVC      = "Your card's security code is incorrect."
	msgProcessingError   = "The payment provider had a processing error; nothing was charged."
)

// normalizeToken strips the spaces a web form lets people type inside a card
// number ("4242 4242 4242 4242"), so both spellings are the same card and the
// same idempotency fingerprint.
func normalizeToken(token string) string {
	if !strings.ContainsRune(token, ' ') {
		return token
	}
	return strings.ReplaceAll(token, " ", "")
}

// lookupCard returns the behaviour of a normalized token, false for an unknown
// one. It is a switch rather than a package-level map so that there is no
// package state to mutate.
func lookupCard(token string) (testCard, bool) {
	switch token {
	case "tok_visa", "4242424242424242":
		return testCard{brand: "visa", last4: "4242"}, true
	case "tok_mastercard", "5555555555554444":
		return testCard{brand: "mastercard", last4: "4444"}, true
	case "tok_amex":
		return testCard{brand: "amex", last4: "8431"}, true
	case "378282246310005": // a typed number shows its own last four, as with Stripe
		return testCard{brand: "amex", last4: "0005"}, true
	case "tok_chargeDeclined", "4000000000000002":
		return testCard{brand: "visa", last4: "0002", declineCode: "generic_decline", declineMsg: msgDeclined}, true
	case "tok_chargeDeclinedInsufficientFunds", "4000000000009995":
		return testCard{brand: "visa", last4: "9995", declineCode: "insufficient_funds", declineMsg: msgInsufficientFunds}, true
	case "tok_chargeDeclinedExpiredCard", "4000000000000069":
		return testCard{brand: "visa", last4: "0069", declineCode: "expired_card", declineMsg: msgExpired}, true
	case "tok_chargeDeclinedIncorrectCvc", "4000000000000127":
		return testCard{brand: "visa", last4: "0127", declineCode: "incorrect_cvc", declineMsg: msgIncorrectCVC}, true
	case "tok_processingError", "4000000000000119":
		return testCard{brand: "visa", last4: "0119", processingError: true}, true
	}
	return testCard{}, false
}
