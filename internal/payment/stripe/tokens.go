package stripe

import (
	"strings"

	"github.com/boxoffice/boxoffice/internal/apperr"
)

// paymentMethodFor maps a checkout payment token onto the Stripe
// PaymentMethod to confirm with, so the tokens that work with the fake work
// with Stripe in test mode too:
//
//   - pm_...: a PaymentMethod from Stripe.js, used as is;
//   - tok_X (a test token: a lower-case letter, then letters, digits, _):
//     Stripe's test PaymentMethod pm_card_X, with tok_processingError as
//     pm_card_chargeDeclinedProcessingError, the name Stripe gives that card;
//   - the fake's test card numbers (spaces allowed): their pm_card_ twins;
//   - anything else, a real card number above all, is apperr.Invalid: card
//     numbers must not pass through our servers or Stripe's API.
func paymentMethodFor(token string) (string, error) {
	t := strings.ReplaceAll(token, " ", "")
	if rest, ok := strings.CutPrefix(t, "pm_"); ok && rest != "" && isIdent(rest) {
		return t, nil
	}
	if name, ok := strings.CutPrefix(t, "tok_"); ok && isTestTokenName(name) {
		if name == "processingError" {
			return "pm_card_chargeDeclinedProcessingError", nil
		}
		return "pm_card_" + name, nil
	}
	if pm, ok := testCardNumber(t); ok {
		return pm, nil
	}
	var f apperr.Fields
	if t != "" && strings.Trim(t, "0123456789") == "" {
		f.Add("payment_token", "card numbers are not accepted; pay with a card token")
	} else {
		f.Add("payment_token", "unknown payment token")
	}
	return "", f.Err()
}

// testCardNumber maps the fake's test card numbers (Stripe's own) to the test
// PaymentMethod with the same behaviour. A switch, not a map: no package state.
func testCardNumber(number string) (string, bool) {
	switch number {
	case "4242424242424242":
		return "pm_card_visa", true
	case "5555555555554444":
		return "pm_card_mastercard", true
	case "378282246310005":
		return "pm_card_amex", true
	case "4000000000000002":
		return "pm_card_chargeDeclined", true
	case "4000000000009995":
		return "pm_card_chargeDeclinedInsufficientFunds", true
	case "4000000000000069":
		return "pm_card_chargeDeclinedExpiredCard", true
	case "4000000000000127":
		return "pm_card_chargeDeclinedIncorrectCvc", true
	case "4000000000000119":
		return "pm_card_chargeDeclinedProcessingError", true
	}
	return "", false
}

// isTestTokenName tells Stripe's named test tokens (visa, chargeDeclined,
// visa_debit) from real legacy tokens (tok_1N3T...), which have no pm_card_
// twin: a name starts with a lower-case letter.
func isTestTokenName(name string) bool {
	return name != "" && len(name) <= 64 && name[0] >= 'a' && name[0] <= 'z' && isIdent(name)
}

// isIdent reports whether s has only ASCII letters, digits and underscores,
// so that no token can smuggle anything else into a request.
func isIdent(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
