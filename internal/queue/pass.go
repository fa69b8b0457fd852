package queue

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
)

// passPrefix versions the pass format.
const passPrefix = "qp1."

// signer makes and checks the waiting room's signed strings (passes and
// proof-of-work challenges) with one key, each under its own purpose so
// that one can never be taken for the other.
type signer struct{ key []byte }

func (s signer) mac(purpose, body string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

func (s signer) sign(prefix, purpose string, fields ...string) string {
	body := base64.RawURLEncoding.EncodeToString([]byte(strings.Join(fields, "\x00")))
	return prefix + body + "." + s.mac(purpose, body)
}

// open checks a signed string and returns its fields.
func (s signer) open(prefix, purpose, signed string, n int) ([]string, bool) {
	rest, ok := strings.CutPrefix(signed, prefix)
	if !ok {
		return nil, false
	}
	body, sig, ok := strings.Cut(rest, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.mac(purpose, body))) {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return nil, false
	}
	fields := strings.Split(string(raw), "\x00")
	return fields, len(fields) == n
}

// pass makes the pass of userID for eventID, valid until expires.
func (s signer) pass(eventID, userID string, expires time.Time) string {
	return s.sign(passPrefix, "pass", eventID, userID, strconv.FormatInt(expires.UnixMilli(), 10))
}

// Gate checks queue passes for booking: an event whose waiting room is on
// sells only to holders of a valid pass.
type Gate struct{ s signer }

// Check reports whether pass lets userID hold seats at eventID at now.
// Every failure is apperr.QueuePassRequired, saying why.
func (g Gate) Check(userID, eventID, pass string, now time.Time) error {
	if pass == "" {
		return apperr.E(apperr.QueuePassRequired, "this event has a waiting room: join the queue, and hold seats with the pass you get when it is your turn")
	}
	f, ok := g.s.open(passPrefix, "pass", strings.TrimSpace(pass), 3)
	if !ok {
		return apperr.E(apperr.QueuePassRequired, "this queue pass is not valid")
	}
	ms, err := strconv.ParseInt(f[2], 10, 64)
	switch {
	case err != nil:
		return apperr.E(apperr.QueuePassRequired, "this queue pass is not valid")
	case f[0] != eventID:
		return apperr.E(apperr.QueuePassRequired, "this queue pass is for another event")
	case f[1] != userID:
		return apperr.E(apperr.QueuePassRequired, "this queue pass belongs to another account")
	case !now.Before(time.UnixMilli(ms)):
		return apperr.E(apperr.QueuePassRequired, "this queue pass expired at %s; join the queue again", time.UnixMilli(ms).UTC().Format(time.RFC3339))
	}
	return nil
}
