package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/internal/clock"
)

// Outbox is the store side of delivery.
type Outbox interface {
	// ClaimDue returns up to limit unsent messages due at now and pushes
	// their next attempt to lease, so that another instance does not send
	// them at the same time.
	ClaimDue(ctx context.Context, now, lease time.Time, limit int) ([]Message, error)
	// MarkSent records the delivery of messages. Deliver marks a claimed
	// batch at once: one write instead of one per message, which in an
	// on-sale is one per order. A crash before it leaves the batch to be
	// sent again when its lease ends, as a crash between a send and its
	// mark always did.
	MarkSent(ctx context.Context, ids []string, at time.Time) error
	// MarkFailed records a failed attempt and when to try again.
	MarkFailed(ctx context.Context, id string, next time.Time, reason string) error
}

// Deliverer sends due messages.
type Deliverer struct {
	Outbox Outbox
	Sender Sender
	Clock  clock.Clock
}

// Deliver sends every due message once and returns how many were sent.
// A failure is retried with exponential backoff, up to an hour apart.
func (d Deliverer) Deliver(ctx context.Context) (int, error) {
	now := d.Clock.Now()
	msgs, err := d.Outbox.ClaimDue(ctx, now, now.Add(time.Minute), 50)
	if err != nil {
		return 0, fmt.Errorf("claim outbox: %w", err)
	}
	var sent []string
	mark := func() (int, error) {
		if err := d.Outbox.MarkSent(ctx, sent, d.Clock.Now()); err != nil {
			return 0, err
		}
		return len(sent), nil
	}
	for _, m := range msgs {
		if err := d.Sender.Send(ctx, m); err != nil {
			backoff := min(time.Hour, time.Second<<min(m.Attempts, 12))
			if ferr := d.Outbox.MarkFailed(ctx, m.ID, now.Add(backoff), err.Error()); ferr != nil {
				n, _ := mark()
				return n, ferr
			}
			continue
		}
		sent = append(sent, m.ID)
	}
	return mark()
}
