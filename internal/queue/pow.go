package queue

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"math/bits"
	"strconv"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
)

// powPrefix versions the proof-of-work challenge format.
const powPrefix = "pow1."

// powTTL is how long a challenge may be solved in.
const powTTL = 10 * time.Minute

// Challenge is a proof-of-work puzzle for one account's join: find a nonce
// such that SHA-256(challenge ‖ nonce) starts with Difficulty zero bits.
// It costs a browser a moment and a bot farm a lot, the way Queue-it's
// proof-of-work works; it is bound to the account and the event, and it
// expires, so solutions cannot be stockpiled or shared.
type Challenge struct {
	Challenge  string    `json:"challenge"`
	Difficulty int       `json:"difficulty"`
	ExpiresAt  time.Time `json:"expires_at"`
}

func (s signer) challenge(eventID, userID string, difficulty int, now time.Time) Challenge {
	var r [12]byte
	_, _ = rand.Read(r[:])
	exp := now.Add(powTTL).Truncate(time.Millisecond)
	return Challenge{Difficulty: difficulty, ExpiresAt: exp.UTC(),
		Challenge: s.sign(powPrefix, "pow", eventID, userID, strconv.Itoa(difficulty), strconv.FormatInt(exp.UnixMilli(), 10), hex.EncodeToString(r[:]))}
}

// checkPow verifies a solution for eventID and userID at difficulty.
func (s signer) checkPow(eventID, userID string, difficulty int, challenge, nonce string, now time.Time) error {
	if challenge == "" || nonce == "" {
		return apperr.E(apperr.Forbidden, "this waiting room asks for a proof of work: GET the challenge, solve it, and join with pow_challenge and pow_nonce")
	}
	f, ok := s.open(powPrefix, "pow", challenge, 5)
	if !ok || f[0] != eventID || f[1] != userID {
		return apperr.E(apperr.Forbidden, "this proof-of-work challenge is not valid for you and this event")
	}
	d, err1 := strconv.Atoi(f[2])
	ms, err2 := strconv.ParseInt(f[3], 10, 64)
	switch {
	case err1 != nil || err2 != nil || d < difficulty:
		return apperr.E(apperr.Forbidden, "this proof-of-work challenge is not valid")
	case !now.Before(time.UnixMilli(ms)):
		return apperr.E(apperr.Forbidden, "this proof-of-work challenge expired; get a new one")
	case len(nonce) > 64 || LeadingZeroBits(challenge, nonce) < d:
		return apperr.E(apperr.Forbidden, "the proof of work does not solve the challenge")
	}
	return nil
}

// LeadingZeroBits counts the leading zero bits of SHA-256(challenge ‖ nonce).
func LeadingZeroBits(challenge, nonce string) int {
	sum := sha256.Sum256([]byte(challenge + nonce))
	n := 0
	for _, b := range sum {
		if b != 0 {
			return n + bits.LeadingZeros8(b)
		}
		n += 8
	}
	return n
}

// Solve finds a nonce for a challenge (what the waiting-room page's script
// does, for tests and the benchmark).
func Solve(c Challenge) string {
	for i := 0; ; i++ {
		n := strconv.Itoa(i)
		if LeadingZeroBits(c.Challenge, n) >= c.Difficulty {
			return n
		}
	}
}
