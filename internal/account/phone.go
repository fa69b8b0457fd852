package account

import (
	"regexp"
	"strings"
)

// e164 is a phone number as SMS providers take it: a plus, a country code
// that does not start with 0, and at most 15 digits in all.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// ValidPhone reports whether s is an E.164 phone number. It lives here,
// with the user whose number it is, rather than in notify: notify imports
// account, so account could not call it there, and one rule must not have
// two copies.
func ValidPhone(s string) bool { return e164.MatchString(s) }

// NormalizePhone removes what people type between the digits of a number
// ("+1 (415) 555-0100" becomes "+14155550100"). It adds no country code
// and validates nothing: the API takes E.164 as it is, and the web pages
// call this before they hand a typed number to the rules.
func NormalizePhone(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '(', ')', '\u00a0':
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

// phoneMessage is the field message for a number that is not E.164.
const phoneMessage = "must be a phone number in international (E.164) form, such as +14155550100"
