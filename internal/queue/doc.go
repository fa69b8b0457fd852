// Package queue is the waiting room of a high-demand on-sale: who may hold
// seats, and when.
//
// # Order
//
// People who join before the event goes on sale (the pre-queue) are drawn
// in a random order when sales open; people who join after are placed first
// come, first served behind them. Every place has a position in one
// admission order, and admission is a frontier that moves along it at the
// event's rate: position p is admitted once
//
//	admitted(now) = base + floor(rate × (now − baseAt) / 1 min) ≥ p
//
// (State.Admitted). The frontier is a function of the clock and of three
// numbers in the store, so every instance computes the same one without
// talking to the others and without an admission job: a position poll is
// O(1) (one entry by its token, one state row), and the rate holds exactly
// over any minute whatever the number of instances. The frontier never
// runs ahead of the last place: when a join finds the queue empty it is
// re-based at that moment, so idle minutes do not become a burst.
//
// # Verifiable fairness
//
// Before the sale the event publishes a commitment, the SHA-256 of a
// random seed. The seed is not stored anywhere before the draw: it is
// derived, at the draw, as HMAC-SHA256 of the deployment's queue key and a
// per-event nonce (see draw.go), and its commitment was computed the same
// way when the waiting room was first set up. At the draw the seed is
// revealed, and the pre-queue's order is the ascending order of
// SHA-256(seed ‖ ":" ‖ entry) over the published entries, where an entry is
// the hex SHA-256 of a place's token (so each person can find their own
// place, and nobody else's token is shown). Anyone can recompute it:
// `boxoffice verify-draw` does, from the public API alone.
//
// # Passes
//
// An admitted place gets a pass: an HMAC-signed statement "user U may hold
// seats at event E until T". T is the pass TTL (DefaultPassTTL, 15 minutes) after the place was first seen
// admitted: long enough for a five-minute hold, a checkout and a second try,
// not so long that a pass becomes a ticket to skip the next on-sale. A pass
// is checked without the database (booking calls Gate.Check), cannot be
// forged without the key, and names its account and event, so it is worth
// nothing to another account or another event.
//
// # Abandoned places
//
// A place is kept until its turn, however long its owner is away (a
// pre-queue may be joined hours ahead). When its turn comes, it waits Keep
// (five minutes) for its owner to claim it — to poll, or to be on the
// waiting-room page, which polls — and then lapses: its poll says
// "expired" and joining again starts a new place at the back. Its slot in
// the admission rate is not given to anyone else: refilling it would make
// the admitted count run ahead of the published rate. A place whose pass
// has expired is spent the same way: joining again starts at the back.
package queue
