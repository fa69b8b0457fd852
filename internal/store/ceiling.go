package store

import "fmt"

// CeilingVerdict judges the ceiling's counts (each engine's Ceiling.Check
// reads them with its own SQL): every claimed seat must be in exactly one
// hold, so there are as many hold_seats rows as claimed seats, no seat
// twice in them, each pointing at the hold the seat names, and two seats
// a hold.
func CeilingVerdict(holds, seats, rows, distinct, matched int) error {
	if rows != seats || distinct != seats || matched != seats || seats != 2*holds {
		return fmt.Errorf("ceiling check: %d holds, %d seats claimed, %d hold_seats rows of %d distinct seats, %d matching their seat",
			holds, seats, rows, distinct, matched)
	}
	return nil
}
