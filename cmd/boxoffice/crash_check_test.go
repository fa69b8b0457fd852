package main

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the crash test reads PostgreSQL's books itself
)

// dbOpener opens the database of a crash test, to read the books the way
// an auditor would: the orders and tickets, and next to them the payment
// sandbox's ledger, which is the "provider's" own record of every charge.
type dbOpener func() (*sql.DB, error)

func sqliteChecker(file string) dbOpener {
	return func() (*sql.DB, error) { return sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)") }
}

func postgresChecker(url string) dbOpener {
	return func() (*sql.DB, error) { return sql.Open("pgx", url) }
}

// crashFigures are the books after the last run, for the log.
type crashFigures struct {
	charges, refunds, paid, refunded, failed, cancelled, tickets int
	capacity, available, held, sold                              int
	settleTook                                                   time.Duration
}

func (f crashFigures) String() string {
	return fmt.Sprintf("%d charges in the provider's ledger, %d refunds; orders: %d paid, %d refunded, %d payment failed, %d cancelled; "+
		"%d valid tickets; seats: capacity %d = %d available + %d held + %d sold; settled %s after the last start",
		f.charges, f.refunds, f.paid, f.refunded, f.failed, f.cancelled, f.tickets, f.capacity, f.available, f.held, f.sold,
		f.settleTook.Round(100*time.Millisecond))
}

// crashCheck waits until the clean run p has settled what the crashes left
// (pending orders reconciled, holds expired and swept, the outbox sent),
// then checks the books.
func crashCheck(t *testing.T, r *crashRig, p *crashProc) crashFigures {
	t.Helper()
	db := r.sql
	count := func(q string) int {
		t.Helper()
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	var f crashFigures
	began := time.Now()
	var left string
	for deadline := time.Now().Add(60 * time.Second); ; {
		pending := count(`SELECT count(*) FROM orders WHERE status = 'pending'`)
		holds := count(`SELECT count(*) FROM holds WHERE status IN ('active', 'paying')`)
		seats := count(`SELECT count(*) FROM seats WHERE hold_id IS NOT NULL`)
		unsent := count(`SELECT count(*) FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL`)
		left = fmt.Sprintf("%d orders pending, %d holds active or paying, %d seats held, %d messages unsent", pending, holds, seats, unsent)
		if pending+holds+seats+unsent == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("60s after the last start: %s", left)
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	f.settleTook = time.Since(began)

	// (a) Every charge in the provider's ledger is an order of the same
	// amount that is paid with all its tickets, or refunded (or cancelled)
	// with the money back; (b) once: one charge per order, at most one
	// refund per charge.
	type charge struct {
		key, id          string
		amount, refunded int64
		refunds          int
	}
	charges := map[string]*charge{} // by idempotency key, the order id
	rows, err := db.Query(`SELECT p.idempotency_key, p.charge_id, p.amount_cents, p.refunded_cents,
		(SELECT count(*) FROM sandbox_refunds r WHERE r.charge_id = p.charge_id)
		FROM sandbox_payments p WHERE p.charge_id IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		c := &charge{}
		if err := rows.Scan(&c.key, &c.id, &c.amount, &c.refunded, &c.refunds); err != nil {
			t.Fatal(err)
		}
		if charges[c.key] != nil {
			t.Errorf("order %s charged twice: %s and %s", c.key, charges[c.key].id, c.id)
		}
		charges[c.key] = c
		f.refunds += c.refunds
		if c.refunds > 1 {
			t.Errorf("charge %s of order %s refunded %d times", c.id, c.key, c.refunds)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	f.charges = len(charges)

	rows, err = db.Query(`SELECT o.id, o.status, o.total_cents, o.refunded_cents, COALESCE(o.charge_id, ''), h.quantity,
		(SELECT count(*) FROM tickets k WHERE k.order_id = o.id AND k.status = 'valid'),
		(SELECT count(*) FROM seats s WHERE s.order_id = o.id),
		(SELECT count(*) FROM outbox m WHERE m.ref = o.id AND m.kind = 'order_confirmed'),
		(SELECT count(*) FROM outbox m WHERE m.ref = o.id AND m.kind = 'order_refunded')
		FROM orders o JOIN holds h ON h.id = o.hold_id`)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for rows.Next() {
		var id, status, chargeID string
		var total, refunded int64
		var qty, valid, sold, confirmed, told int
		if err := rows.Scan(&id, &status, &total, &refunded, &chargeID, &qty, &valid, &sold, &confirmed, &told); err != nil {
			t.Fatal(err)
		}
		seen[id] = true
		c := charges[id]
		f.tickets += valid
		switch status {
		case "paid":
			f.paid++
			switch {
			case c == nil || c.id != chargeID || c.amount != total:
				t.Errorf("paid order %s (charge %q, %d cents) has no such charge in the ledger: %+v", id, chargeID, total, c)
			case c.refunded != 0:
				t.Errorf("paid order %s: the provider refunded %d cents of it, the books say it is paid", id, c.refunded)
			case valid != qty || sold != qty:
				t.Errorf("paid order %s: %d valid tickets and %d sold seats for a hold of %d", id, valid, sold, qty)
			case confirmed == 0:
				t.Errorf("paid order %s has no confirmation in the outbox", id)
			}
		case "refunded":
			f.refunded++
			switch {
			case c == nil || c.id != chargeID || c.refunded != total || refunded != total:
				t.Errorf("refunded order %s (%d of %d cents): the ledger has %+v", id, refunded, total, c)
			case valid != 0 || sold != 0:
				t.Errorf("refunded order %s still has %d valid tickets, %d sold seats", id, valid, sold)
			case confirmed == 0 || told == 0:
				t.Errorf("refunded order %s: %d confirmations, %d refund notices in the outbox", id, confirmed, told)
			}
		case "cancelled":
			f.cancelled++
			if c != nil && c.refunded != c.amount {
				t.Errorf("cancelled order %s: charged %d cents, %d refunded", id, c.amount, c.refunded)
			}
		case "payment_failed":
			f.failed++
			// A charge that came after the reconcile job had failed its
			// order (a stalled checkout) is refunded.
			if c != nil && c.refunded != c.amount {
				t.Errorf("order %s failed its payment, but the ledger has its charge %s of %d cents, %d refunded", id, c.id, c.amount, c.refunded)
			}
		default:
			t.Errorf("order %s is %s after settling", id, status)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	for key, c := range charges {
		if !seen[key] {
			t.Errorf("charge %s of %d cents under key %s is no order at all", c.id, c.amount, key)
		}
	}
	if n := count(`SELECT count(*) FROM (SELECT charge_id FROM orders WHERE charge_id IS NOT NULL GROUP BY charge_id HAVING count(*) > 1) d`); n != 0 {
		t.Errorf("%d charges are the charge of several orders", n)
	}
	if n := count(`SELECT count(*) FROM outbox WHERE dead_at IS NOT NULL`); n != 0 {
		t.Errorf("%d dead messages in the outbox", n)
	}

	// (c), (d): no seat held, and the books of seats balance, as the
	// admin's sales figures show them.
	var sales struct{ Capacity, Available, Held, Sold int }
	r.must(p.base, 200, "GET", "/api/v1/admin/events/"+r.event+"/sales", r.admin, nil, &sales)
	f.capacity, f.available, f.held, f.sold = sales.Capacity, sales.Available, sales.Held, sales.Sold
	if sales.Available+sales.Held+sales.Sold != sales.Capacity || sales.Capacity != crashRows*crashRowSeats+crashFloor {
		t.Errorf("sales %+v do not balance (capacity %d)", sales, crashRows*crashRowSeats+crashFloor)
	}
	if sales.Held != 0 {
		t.Errorf("%d seats still held after every hold expired", sales.Held)
	}
	if sales.Sold != f.tickets {
		t.Errorf("%d seats sold, %d valid tickets", sales.Sold, f.tickets)
	}
	if f.charges == 0 || f.paid+f.refunded == 0 {
		t.Errorf("vacuous: %s", f)
	}
	return f
}
