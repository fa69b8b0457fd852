package notify

import "regexp"

// e164 is a phone number as SMS providers take it: a plus, a country code
// that does not start with 0, and at most 15 digits in all.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// ValidPhone reports whether s is an E.164 phone number.
func ValidPhone(s string) bool { return e164.MatchString(s) }
