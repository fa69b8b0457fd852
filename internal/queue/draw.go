package queue

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
)

// seedFor derives an event's draw seed from the deployment's queue key and
// the event's nonce. The seed is never stored before the draw: whoever can
// read the database sees only the nonce and the commitment, and the key is
// kept like the barcode key (a setting shared by the instances).
func seedFor(key []byte, eventID, nonce string) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "boxoffice queue seed\x00%s\x00%s", eventID, nonce)
	return hex.EncodeToString(m.Sum(nil))
}

// Commitment is the hex SHA-256 of a seed: published before the sale, it
// binds the event to the seed revealed at the draw.
func Commitment(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(sum[:])
}

// EntryID is how a place appears in the published draw: the hex SHA-256
// of its token. Its owner can compute it; nobody can go back to the token.
func EntryID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// drawKey is an entry's rank in the draw.
func drawKey(seed, entry string) [32]byte {
	return sha256.Sum256([]byte(seed + ":" + entry))
}

// DrawOrder returns the entries (EntryID values) in their drawn order:
// ascending SHA-256(seed ":" entry). It is the whole draw, so anyone with
// the published seed and entries can recompute it.
func DrawOrder(seed string, entries []string) []string {
	type ranked struct {
		key   [32]byte
		entry string
	}
	rs := make([]ranked, len(entries))
	for i, e := range entries {
		rs[i] = ranked{drawKey(seed, e), e}
	}
	slices.SortFunc(rs, func(a, b ranked) int { return bytes.Compare(a.key[:], b.key[:]) })
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.entry
	}
	return out
}

// VerifyDraw checks a published draw: the seed matches the commitment and
// the positions are exactly DrawOrder of the entries, 1, 2, 3, …
func VerifyDraw(d Draw) error {
	if Commitment(d.Seed) != d.Commitment {
		return fmt.Errorf("the seed %s does not match the commitment %s", d.Seed, d.Commitment)
	}
	entries := make([]string, len(d.Places))
	byEntry := make(map[string]int64, len(d.Places))
	for i, p := range d.Places {
		entries[i] = p.Entry
		if _, dup := byEntry[p.Entry]; dup {
			return fmt.Errorf("entry %s appears twice", p.Entry)
		}
		byEntry[p.Entry] = p.Position
	}
	for i, e := range DrawOrder(d.Seed, entries) {
		if got := byEntry[e]; got != int64(i+1) {
			return fmt.Errorf("entry %s has position %d; the seed puts it at %d", e, got, i+1)
		}
	}
	return nil
}
