// Package ids makes identifiers. Every id is a short type prefix and 128
// random bits from crypto/rand, so ids that grant access (holds, orders,
// tickets) cannot be guessed, and a log line says what kind of thing it names.
package ids

import (
	"crypto/rand"
	"encoding/base32"
)

var enc = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// New returns prefix + "_" + 26 characters of base32 randomness (128 bits).
func New(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms.
	return prefix + "_" + enc.EncodeToString(b[:])
}

// Secret returns n random bytes, for tokens and signing keys.
func Secret(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
