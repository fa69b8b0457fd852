package queue

import (
	"strings"
	"testing"
	"time"
)

// FuzzPass: a queue pass from outside never makes the gate panic, and the
// gate admits only the exact pass signed for this user and event, before
// it expires.
func FuzzPass(f *testing.F) {
	s := signer{key: []byte("fuzz-key-0123456789abcdef0123456")}
	now := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	good := s.pass("evt_1", "usr_1", now.Add(time.Minute))
	g := Gate{s}
	f.Add(good)
	f.Add(" " + good + " ")
	f.Add(s.pass("evt_2", "usr_1", now.Add(time.Minute)))
	f.Add(s.pass("evt_1", "usr_1", now.Add(-time.Minute)))
	f.Add(passPrefix + "." + strings.Repeat("0", 64))
	f.Add(s.sign(powPrefix, "pow", "evt_1", "usr_1", "1", "2", "3"))
	f.Add("")
	f.Fuzz(func(t *testing.T, pass string) {
		if err := g.Check("usr_1", "evt_1", pass, now); err == nil {
			fields, ok := s.open(passPrefix, "pass", strings.TrimSpace(pass), 3)
			if !ok || fields[0] != "evt_1" || fields[1] != "usr_1" || s.sign(passPrefix, "pass", fields...) != strings.TrimSpace(pass) {
				t.Fatalf("the gate admitted %q, which is not a pass signed for usr_1 at evt_1", pass)
			}
		}
	})
}

// FuzzProofOfWork: a challenge and nonce from outside never make the check
// panic, and no nonce passes a challenge this server did not sign.
func FuzzProofOfWork(f *testing.F) {
	s := signer{key: []byte("fuzz-key-0123456789abcdef0123456")}
	now := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	c := s.challenge("evt_1", "usr_1", 4, now)
	f.Add(c.Challenge, Solve(c))
	f.Add(c.Challenge, "")
	f.Add("bad", "nonce")
	f.Add(c.Challenge, strings.Repeat("9", 100))
	f.Fuzz(func(t *testing.T, challenge, nonce string) {
		if err := s.checkPow("evt_1", "usr_1", 4, challenge, nonce, now); err == nil {
			if _, ok := s.open(powPrefix, "pow", challenge, 5); !ok {
				t.Fatalf("an unsigned challenge %q passed", challenge)
			}
			if LeadingZeroBits(challenge, nonce) < 4 {
				t.Fatalf("nonce %q does not solve %q but passed", nonce, challenge)
			}
		}
	})
}
