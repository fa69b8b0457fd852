package queue

import (
	"context"
	"time"
)

// Store is what the waiting room needs from persistence. Every decision
// is made inside InQueueTx, where the event's state row is locked against
// every other instance.
type Store interface {
	// InQueueTx runs fn in one transaction with the event's queue state
	// locked. init builds the state when the event has none yet; it is
	// stored before fn runs.
	InQueueTx(ctx context.Context, eventID string, init func() State, fn func(Tx) error) error
	// QueueState reads the state without a lock (polls); ok false if none.
	QueueState(ctx context.Context, eventID string) (State, bool, error)
	// EntryByToken reads one place by its token.
	EntryByToken(ctx context.Context, token string) (Entry, error)
	// SetAdmitted records when a place was first seen admitted; a later
	// call leaves the first time.
	SetAdmitted(ctx context.Context, token string, at time.Time) error
	// DrawnPlaces lists the pre-queue's places in their drawn order.
	DrawnPlaces(ctx context.Context, eventID string) ([]Entry, error)
	// QueuedEvents lists the events whose waiting room is on and whose
	// sale opened at or before now but not before since.
	QueuedEvents(ctx context.Context, since, now time.Time) ([]string, error)
}

// Tx is one transaction on one event's waiting room.
type Tx interface {
	// State is the locked state, as it was when the transaction began.
	State() State
	SaveState(ctx context.Context, s State) error
	EntryOf(ctx context.Context, userID string) (Entry, bool, error)
	// PutEntry inserts the user's place, or replaces it (a lapsed place
	// joined again).
	PutEntry(ctx context.Context, e Entry) error
	// PresaleTokens lists the pre-queue's tokens in join order.
	PresaleTokens(ctx context.Context) ([]string, error)
	// SetPositions gives the pre-queue's places their drawn positions.
	SetPositions(ctx context.Context, tokens []string, positions []int64) error
}
