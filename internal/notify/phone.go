package notify

import "github.com/boxoffice/boxoffice/internal/account"

// ValidPhone reports whether s is an E.164 phone number: account's rule,
// the one definition, named here too because messages are what the number
// is for.
func ValidPhone(s string) bool { return account.ValidPhone(s) }
