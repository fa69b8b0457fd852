package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/clock"
)

// Statuses of a message, as admins filter them.
const (
	StatusPending = "pending"
	StatusSent    = "sent"
	StatusDead    = "dead"
)

// Status says where m is: sent, dead, or still to be sent.
func (m Message) Status() string {
	switch {
	case !m.SentAt.IsZero():
		return StatusSent
	case !m.DeadAt.IsZero():
		return StatusDead
	}
	return StatusPending
}

// Query selects messages for admins.
type Query struct {
	Status string // "" for every status
	Ref    string // one order's messages, or "" for all
	ID     string // one message, or "" for all
	Limit  int
}

// Backlog is the outbox's depth, for saturation metrics and alerts.
type Backlog struct {
	Pending   int           // live messages not yet sent
	OldestAge time.Duration // age of the oldest of those
	Dead      int           // messages given up on
}

// ErrNotDead is Revive's answer for a message that is not dead.
var ErrNotDead = errors.New("message is not dead")

// AdminStore is what the admins' view of delivery needs.
type AdminStore interface {
	Messages(ctx context.Context, q Query) ([]Message, error)
	// Revive makes a dead message due at now, or returns ErrNotDead.
	Revive(ctx context.Context, id string, now time.Time) error
}

// Admin lets admins see the outbox (the dead letters first of all) and
// send a dead message again once its cause is fixed.
type Admin struct {
	Store AdminStore
	Clock clock.Clock
}

// Messages lists messages, newest first.
func (a Admin) Messages(ctx context.Context, by account.User, q Query) ([]Message, error) {
	if !by.IsAdmin() {
		return nil, apperr.E(apperr.Forbidden, "only an admin can see the outbox")
	}
	switch q.Status {
	case "", StatusPending, StatusSent, StatusDead:
	default:
		var f apperr.Fields
		f.Add("status", "must be pending, sent or dead")
		return nil, f.Err()
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 100
	}
	return a.Store.Messages(ctx, q)
}

// Message returns one message, or apperr.NotFound: what an admin sees of
// it after a Retry, or from a link to it.
func (a Admin) Message(ctx context.Context, by account.User, id string) (Message, error) {
	if !by.IsAdmin() {
		return Message{}, apperr.E(apperr.Forbidden, "only an admin can see the outbox")
	}
	ms, err := a.Store.Messages(ctx, Query{ID: id, Limit: 1})
	if err != nil {
		return Message{}, fmt.Errorf("read message: %w", err)
	}
	if len(ms) == 0 || id == "" {
		return Message{}, apperr.E(apperr.NotFound, "no message %s", id)
	}
	return ms[0], nil
}

// Retry sends a dead message again, from its first attempt.
func (a Admin) Retry(ctx context.Context, by account.User, id string) error {
	if !by.IsAdmin() {
		return apperr.E(apperr.Forbidden, "only an admin can retry messages")
	}
	err := a.Store.Revive(ctx, id, a.Clock.Now())
	if errors.Is(err, ErrNotDead) {
		return apperr.E(apperr.Conflict, "message %s is not dead (or does not exist)", id)
	}
	if err != nil {
		return fmt.Errorf("retry message: %w", err)
	}
	return nil
}
