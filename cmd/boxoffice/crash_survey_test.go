package main

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/failpoint"
)

// The states a kill can leave behind for the next start to settle. Right
// after each kill the harness looks for them in the database, which shows
// that each failpoint killed the process where it says it does (a kill at
// checkout.after_charge leaves a charged order that is not completed, and
// so on), and counts how many of each the restarts had to repair.
const (
	strandedLiveHold   = "holds live when the process died"
	strandedUncharged  = "orders pending and not charged"
	strandedCharged    = "orders charged and not completed"
	strandedRefund     = "refunds made and not recorded"
	strandedUnmarked   = "messages claimed and not marked sent"
	strandedUnanswered = "requests cut off"
)

// strandedBy is what a kill at each failpoint must leave, at least once.
var strandedBy = map[failpoint.Point]string{
	failpoint.HoldAfterCommit:      strandedLiveHold,
	failpoint.CheckoutBeforeCharge: strandedUncharged,
	failpoint.CheckoutAfterCharge:  strandedCharged,
	failpoint.RefundAfterProvider:  strandedRefund,
	failpoint.OutboxAfterSend:      strandedUnmarked,
}

// survey reads what the dead process left: the ids in each stranded state.
// Each id joins r.stranded, so that an order left pending by two kills in
// a row counts once.
func (r *crashRig) survey() map[string][]string {
	t := r.t
	t.Helper()
	now := time.Now().UnixMilli()
	found := map[string][]string{}
	ids := func(state, q string) {
		rows, err := r.sql.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			found[state] = append(found[state], id)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	ids(strandedLiveHold, fmt.Sprintf(`SELECT id FROM holds WHERE status = 'active' AND expires_at > %d`, now))
	ids(strandedUncharged, `SELECT o.id FROM orders o WHERE o.status = 'pending'
		AND NOT EXISTS (SELECT 1 FROM sandbox_payments p WHERE p.idempotency_key = o.id AND p.charge_id IS NOT NULL)`)
	ids(strandedCharged, `SELECT o.id FROM orders o JOIN sandbox_payments p ON p.idempotency_key = o.id
		WHERE o.status = 'pending' AND p.charge_id IS NOT NULL`)
	ids(strandedRefund, `SELECT o.id FROM orders o JOIN sandbox_payments p ON p.idempotency_key = o.id
		WHERE o.status = 'paid' AND p.refunded_cents > 0`)
	// A claim pushes a message's next attempt a lease ahead; one that is
	// still ahead was claimed by the process that just died.
	ids(strandedUnmarked, fmt.Sprintf(`SELECT id FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL AND next_attempt_at > %d`, now))
	if r.stranded == nil {
		r.stranded = map[string]map[string]bool{}
	}
	for state, list := range found {
		if r.stranded[state] == nil {
			r.stranded[state] = map[string]bool{}
		}
		for _, id := range list {
			r.stranded[state][id] = true
		}
	}
	return found
}

// strandedSummary is r.stranded in words, for the log.
func (r *crashRig) strandedSummary() string {
	var out []string
	for state, set := range r.stranded {
		out = append(out, fmt.Sprintf("%d %s", len(set), state))
	}
	sort.Strings(out)
	return strings.Join(append(out, fmt.Sprintf("%d %s", r.ops.inFlight.Load(), strandedUnanswered)), ", ")
}
