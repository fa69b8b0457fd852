//go:build !brokenclaim

package sqlite

// claimable is the condition under which ClaimSeats takes a seat: unsold
// and not under an unexpired hold (its one parameter is now). It lives
// here, apart from the claim, so that the brokenclaim build
// (claim_broken.go) can compile a claim without it into the engine and
// the linearizability test can show that the checker catches that.
const claimable = `order_id IS NULL AND (hold_until IS NULL OR hold_until <= ?)`

// claimSeatColumns are the columns SeatsByNo reads inside the claiming
// transaction, whose statuses the exact-seat check looks at.
const claimSeatColumns = seatColumns
