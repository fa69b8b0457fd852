// Package idempotency makes every create request safe to retry: a client
// that sends an Idempotency-Key gets the first response again for a replay,
// and the work is done once, even when the replays arrive at the same time
// on different instances. The key is claimed in the database before the
// work starts; a replay that finds the claim still pending waits for it.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Record is a claimed key and, once done, the response to replay.
type Record struct {
	RequestHash string
	Done        bool
	Status      int
	ContentType string
	Body        []byte
	CreatedAt   time.Time
}

// Store persists keys, scoped by user.
type Store interface {
	// ClaimKey records a pending key for userID. If the key exists it
	// returns the existing record and claimed=false.
	ClaimKey(ctx context.Context, userID, key, requestHash string, now time.Time) (rec Record, claimed bool, err error)
	// FinishKey stores the response of a claimed key.
	FinishKey(ctx context.Context, userID, key string, status int, contentType string, body []byte) error
	// ReleaseKey forgets a claim whose request failed in a way worth
	// retrying (a 5xx), so that the retry does the work.
	ReleaseKey(ctx context.Context, userID, key string) error
	// RenewKey moves a pending claim's time from from to to, if the claim
	// is still pending and still stamped from: a compare-and-swap, so that
	// of two replays taking over the same lapsed claim only one wins, and
	// a request that was taken over learns it when it next renews.
	RenewKey(ctx context.Context, userID, key string, from, to time.Time) (bool, error)
	// PurgeKeys deletes keys created before t.
	PurgeKeys(ctx context.Context, before time.Time) (int, error)
}

// ClaimLease is how long a pending claim holds without being renewed. The
// request that claimed a key renews it every ClaimLease/3 while it works,
// so a claim goes stale only when its request is gone: its process was
// killed, or the database went away and the claim could not be released
// when the request failed. A replay that finds a stale claim takes it over
// and does the work, instead of answering "still in progress" for as long
// as the key is kept.
const ClaimLease = 15 * time.Second

// Stale reports whether a pending claim made (or last renewed) at claimed
// has lapsed at now.
func Stale(claimed, now time.Time) bool { return now.Sub(claimed) > ClaimLease }

// Hash identifies a request: the same key with a different hash is a reuse.
func Hash(method, path string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(method + " " + path + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// ValidKey reports whether k is 1–255 printable ASCII characters.
func ValidKey(k string) bool {
	if len(k) < 1 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}
