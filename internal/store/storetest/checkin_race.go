package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/internal/booking"
)

// scanners is how many gate scanners race for one ticket.
const scanners = 24

// scan is one scanner's transaction the way booking.CheckIn runs it: the
// conditional update first, then a read of the ticket in the same
// transaction, which must show the winner's committed scan (or the void
// that beat it) rather than what was there before the race.
type scan struct {
	did bool
	tk  booking.Ticket
	err error
}

func doScan(ctx context.Context, s Engine, ticketID string, at time.Time) scan {
	var r scan
	r.err = s.InTx(ctx, func(tx booking.Tx) error {
		var err error
		if r.did, err = tx.CheckIn(ctx, ticketID, at); err != nil {
			return err
		}
		r.tk, err = tx.Ticket(ctx, ticketID)
		return err
	})
	return r
}

// testScansRaceForOneTicket: of many simultaneous scans exactly one
// admits, every other one reads the ticket as already scanned, and none
// fails or waits on a lock for long.
func testScansRaceForOneTicket(t *testing.T, s Engine) {
	ctx := context.Background()
	e := smallEvent(t, s)
	o := buy(t, s, placeHold(t, s, e.ID, newUser(t, s), seatNos(t, s, e.ID, "A", "")[:1], holdOpts{}), now)
	id := o.Tickets[0].ID
	rs := make([]scan, scanners)
	var ready, done sync.WaitGroup
	gate := make(chan struct{})
	ready.Add(scanners)
	started := time.Now()
	for i := range rs {
		done.Go(func() {
			ready.Done()
			<-gate
			rs[i] = doScan(ctx, s, id, now.Add(time.Duration(i)*time.Millisecond))
		})
	}
	ready.Wait()
	close(gate)
	done.Wait()
	admitted := 0
	for i, r := range rs {
		switch {
		case r.err != nil:
			t.Errorf("scan %d: %v", i, r.err)
		case r.did:
			admitted++
		case r.tk.CheckedInAt == nil:
			t.Errorf("scan %d lost the race but reads the ticket as not scanned: %+v", i, r.tk)
		}
	}
	if admitted != 1 {
		t.Errorf("%d of %d simultaneous scans admitted the ticket, want exactly 1", admitted, scanners)
	}
	if d := time.Since(started); d > 3*time.Second {
		t.Errorf("%d scans of one ticket took %s: a scan waited on a lock", scanners, d)
	}
}

// testScanRacesVoid: a scan racing the voiding of its ticket (a refund)
// either admits a ticket that was still valid, or reads it void; a void
// ticket is never admitted.
func testScanRacesVoid(t *testing.T, s Engine) {
	ctx := context.Background()
	e := smallEvent(t, s)
	u := newUser(t, s)
	for round := range 20 {
		o := buy(t, s, placeHold(t, s, e.ID, u, seatNos(t, s, e.ID, "GA", "")[round%5:round%5+1], holdOpts{}), now)
		id := o.Tickets[0].ID
		var r scan
		var voidErr error
		var wg sync.WaitGroup
		wg.Go(func() { r = doScan(ctx, s, id, now) })
		wg.Go(func() {
			voidErr = s.InTx(ctx, func(tx booking.Tx) error {
				if err := tx.VoidTickets(ctx, o.ID); err != nil {
					return err
				}
				return tx.UnsellSeats(ctx, o.ID)
			})
		})
		wg.Wait()
		if r.err != nil || voidErr != nil {
			t.Fatalf("round %d: scan %v, void %v", round, r.err, voidErr)
		}
		if r.did && r.tk.Status != booking.TicketValid {
			t.Errorf("round %d: the scan admitted a ticket it reads as %s", round, r.tk.Status)
		}
		if !r.did && r.tk.Status != booking.TicketVoid {
			t.Errorf("round %d: the scan refused a ticket it reads as %s, not scanned before", round, r.tk.Status)
		}
		got, err := s.Ticket(ctx, id)
		if err != nil || got.Status != booking.TicketVoid {
			t.Errorf("round %d: ticket after the void: %+v, %v", round, got, err)
		}
	}
}

// testPanicInTxRollsBack: a panic inside InTx reaches the caller, the
// transaction is rolled back (its write is gone) and the store goes on
// working, which it could not if the connection were left inside the
// transaction (SQLite's one writer, or a PostgreSQL connection holding
// row locks that Close would wait for).
func testPanicInTxRollsBack(t *testing.T, s Engine) {
	ctx := context.Background()
	e := smallEvent(t, s)
	o := buy(t, s, placeHold(t, s, e.ID, newUser(t, s), seatNos(t, s, e.ID, "A", "")[:1], holdOpts{}), now)
	id := o.Tickets[0].ID
	for range 3 { // more than once: a leaked connection per panic would add up
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("the panic inside InTx did not reach the caller")
				}
			}()
			_ = s.InTx(ctx, func(tx booking.Tx) error {
				if _, err := tx.CheckIn(ctx, id, now); err != nil {
					return err
				}
				panic("a bug in a transaction")
			})
		}()
	}
	done := make(chan scan, 1)
	go func() { done <- doScan(ctx, s, id, now.Add(time.Minute)) }()
	select {
	case r := <-done:
		if r.err != nil || !r.did {
			t.Errorf("scan after the panics: did %v, %v; want the ticket admitted now (the panicking scans rolled back)", r.did, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the store is stuck after a panic inside InTx: the transaction was left open")
	}
}
