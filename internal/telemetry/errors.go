package telemetry

import "github.com/boxoffice/boxoffice/internal/apperr"

// Error classes: the errors label an alert can select on.
const (
	// ClassExpected is an answer the service meant to give: a buyer lost
	// the race for a seat, a card was declined, input was invalid, a token
	// expired. They rise with traffic and are not a reason to wake anyone.
	ClassExpected = "expected"
	// ClassFailure is the service failing its caller: a bug, a database or
	// payment provider outage, a timeout. The failure-rate alerts count
	// these alone.
	ClassFailure = "failure"
)

// failureCodes are the codes of the contract that mean "our fault". Every
// other code is a rule working as designed.
var failureCodes = map[apperr.Code]bool{apperr.Internal: true, apperr.Unavailable: true}

// knownCodes bounds the code label: a code outside the contract (there
// should be none) is counted as "other" rather than growing the label.
var knownCodes = map[apperr.Code]bool{
	apperr.Invalid: true, apperr.InvalidJSON: true, apperr.Unauthorized: true, apperr.Forbidden: true,
	apperr.QueuePassRequired: true, apperr.NotOnSale: true, apperr.NotFound: true, apperr.Conflict: true,
	apperr.EmailTaken: true, apperr.SeatsUnavailable: true, apperr.HoldNotActive: true,
	apperr.TicketLimitExceeded: true, apperr.AlreadyCheckedIn: true, apperr.InvalidBarcode: true,
	apperr.PaymentDeclined: true, apperr.BodyTooLarge: true, apperr.IdempotencyKeyReused: true,
	apperr.RateLimited: true, apperr.Internal: true, apperr.Unavailable: true,
}

// Classify says whether an error response is expected or a failure. Any
// 5xx is a failure whatever its code, and so are the codes internal and
// unavailable; every other 4xx code of the contract is expected.
func Classify(status int, code apperr.Code) string {
	if status >= 500 || failureCodes[code] {
		return ClassFailure
	}
	return ClassExpected
}

// codeLabel is the code label of an error response: the contract's code,
// "none" when the handler wrote an error status without a problem
// document, "other" for a code outside the contract.
func codeLabel(code apperr.Code) string {
	switch {
	case code == "":
		return "none"
	case knownCodes[code]:
		return string(code)
	default:
		return "other"
	}
}
