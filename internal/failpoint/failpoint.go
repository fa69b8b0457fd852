// Package failpoint crashes the process on purpose at the places where a
// crash hurts most: between a charge and the commit that records it,
// between a refund and its record, between a send and its mark. The crash
// test (cmd/boxoffice/crash_test.go) arms one point at a time, kills the
// real binary there again and again, restarts it and checks that the
// books still balance; see docs/reliability.md.
//
// Points are armed only by the BOXOFFICE_FAILPOINTS environment variable
// (never a flag or a config file, so that no deployment arms one by
// accident), and a process with any armed says so loudly at start-up. A
// nil *Set is what every production process has: Hit on it is a nil
// check and nothing more.
package failpoint

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// EnvVar is the environment variable that arms failpoints.
const EnvVar = "BOXOFFICE_FAILPOINTS"

// Point names a place in the code where a test may crash the process.
type Point string

// The points, in the order a sale passes them. What a kill at each one
// leaves behind is written next to it.
const (
	// HoldBeforeCommit is inside a hold's group-commit step, after the
	// seats were claimed and the hold inserted, before the batch's
	// transaction commits: the database must roll the claim back.
	HoldBeforeCommit Point = "hold.before_commit"
	// HoldAfterCommit is after a hold committed, before the buyer hears of
	// it: a hold nobody knows about, which must expire on time.
	HoldAfterCommit Point = "hold.after_commit"
	// CheckoutBeforeCharge is after the pending order committed and the
	// hold was set paying (held until the far future), before the charge:
	// reconciliation must find no charge, fail the order and give the
	// hold its expiry back.
	CheckoutBeforeCharge Point = "checkout.before_charge"
	// CheckoutAfterCharge is after the provider charged, before the order
	// is completed: money taken and no tickets, which reconciliation must
	// turn into a paid order with tickets.
	CheckoutAfterCharge Point = "checkout.after_charge"
	// CheckoutAfterCommit is after the order was paid and committed,
	// before the buyer hears of it.
	CheckoutAfterCommit Point = "checkout.after_commit"
	// RefundAfterProvider is after the provider refunded, before the
	// database records it: money given back while the order is paid.
	RefundAfterProvider Point = "refund.after_provider"
	// RefundAfterCommit is after the refund was recorded, before the admin
	// hears of it.
	RefundAfterCommit Point = "refund.after_commit"
	// OutboxAfterSend is after a batch of messages was handed to its
	// transport, before it is marked sent: the batch goes out again when
	// its lease ends (at least once).
	OutboxAfterSend Point = "outbox.after_send"
)

// All returns every point, in the order of a sale: the crash test and the
// documentation iterate over it.
func All() []Point {
	return []Point{HoldBeforeCommit, HoldAfterCommit, CheckoutBeforeCharge, CheckoutAfterCharge, CheckoutAfterCommit,
		RefundAfterProvider, RefundAfterCommit, OutboxAfterSend}
}

// arm is what an armed point does: kill with probability p.
type arm struct {
	p float64
}

// Set is the armed points of one process. It is built once at start-up
// and never changes, so it is safe for concurrent use without locks.
type Set struct {
	arms map[Point]arm
	spec string
	log  *slog.Logger
	kill func()
	rand func() float64
}

// Options are what a test of the package replaces; the zero value kills
// the process for real.
type Options struct {
	// Log is told which point fires, just before it does: the crash test
	// reads it to tell a failpoint's kill from a real crash.
	Log *slog.Logger
	// Kill replaces sending SIGKILL to the process itself.
	Kill func()
	// Rand replaces math/rand/v2's Float64 (a value in [0, 1)).
	Rand func() float64
}

// Parse builds a Set from the value of BOXOFFICE_FAILPOINTS: a comma-
// separated list of point=action, where action is "kill" (every time the
// point is passed) or "kill@P" (with probability P, 0 < P <= 1), for
// example "checkout.after_charge=kill@0.2,hold.before_commit=kill". An
// empty spec gives a nil Set, which does nothing. An unknown point or
// action is an error, so that a typo does not quietly test nothing.
func Parse(spec string, o Options) (*Set, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, nil
	}
	s := &Set{arms: map[Point]arm{}, spec: spec, log: o.Log, kill: o.Kill, rand: o.Rand}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.kill == nil {
		s.kill = killSelf
	}
	if s.rand == nil {
		s.rand = rand.Float64
	}
	for item := range strings.SplitSeq(spec, ",") {
		name, action, ok := strings.Cut(strings.TrimSpace(item), "=")
		p := Point(strings.TrimSpace(name))
		if !ok || !slices.Contains(All(), p) {
			return nil, fmt.Errorf("%s: %q: want point=kill or point=kill@P with a point among %v", EnvVar, item, All())
		}
		a, err := parseAction(strings.TrimSpace(action))
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", EnvVar, p, err)
		}
		s.arms[p] = a
	}
	return s, nil
}

func parseAction(action string) (arm, error) {
	verb, prob, hasProb := strings.Cut(action, "@")
	if verb != "kill" {
		return arm{}, fmt.Errorf("action %q: the only action is kill", action)
	}
	if !hasProb {
		return arm{p: 1}, nil
	}
	p, err := strconv.ParseFloat(prob, 64)
	if err != nil || !(p > 0 && p <= 1) {
		return arm{}, fmt.Errorf("probability %q: want a number in (0, 1]", prob)
	}
	return arm{p: p}, nil
}

// Armed reports whether any point is armed.
func (s *Set) Armed() bool { return s != nil && len(s.arms) > 0 }

// String is the spec the Set was parsed from, for the start-up warning.
func (s *Set) String() string {
	if s == nil {
		return ""
	}
	return s.spec
}

// Hit passes point p: if p is armed (and its dice say so), the process
// dies here, at once, as it would in a crash: no deferred function runs,
// no transaction is rolled back by Go, no response is written.
func (s *Set) Hit(p Point) {
	if s == nil {
		return
	}
	a, ok := s.arms[p]
	if !ok || (a.p < 1 && s.rand() >= a.p) {
		return
	}
	s.log.Error("failpoint fired: killing the process", "failpoint", string(p))
	s.kill()
}

// killSelf sends SIGKILL to this process and waits for it to arrive, so
// that not one more statement after the failpoint runs.
func killSelf() {
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	for {
		time.Sleep(time.Hour)
	}
}
