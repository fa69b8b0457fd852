package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/boxoffice/boxoffice/internal/clock"
	"github.com/boxoffice/boxoffice/internal/failpoint"
)

// Outbox is the store side of delivery.
type Outbox interface {
	// ClaimDue returns up to limit unsent, live messages due at now and
	// pushes their next attempt to lease, so that another instance does
	// not send them at the same time.
	ClaimDue(ctx context.Context, now, lease time.Time, limit int) ([]Message, error)
	// MarkSent records the delivery of messages. Deliver marks a claimed
	// batch at once: one write instead of one per message, which in an
	// on-sale is one per order. A crash before it leaves the batch to be
	// sent again when its lease ends, as a crash between a send and its
	// mark always did.
	MarkSent(ctx context.Context, ids []string, at time.Time) error
	// MarkFailed records a failed attempt and when to try again.
	MarkFailed(ctx context.Context, id string, next time.Time, reason string) error
	// MarkDead gives up on a message: it is no longer due, and admins see
	// it among the dead.
	MarkDead(ctx context.Context, id string, at time.Time, reason string) error
}

// Deliverer sends due messages: it claims a batch, composes each message,
// hands each channel's letters to its transport and records every outcome.
type Deliverer struct {
	Outbox     Outbox
	Composer   Composer
	Transports map[string]Transport
	Clock      clock.Clock
	Log        *slog.Logger
	Observer   Observer // may be nil
	// MaxAttempts is how many failed attempts make a message dead (10 when
	// 0: about 8½ minutes of backoff: 1 s, 2 s … 256 s).
	MaxAttempts int
	// Lease is how long a claimed message is left to its claimer before
	// another instance may send it (a minute when 0). It must be longer
	// than a batch takes to send.
	Lease time.Duration
	// Batch is how many messages one claim takes (50 when 0).
	Batch int
	// MaxRun bounds one Deliver: it claims batch after batch while the
	// outbox has more, for up to this long (5 s when 0).
	MaxRun time.Duration
	// Failpoints crash the process between a send and its mark, for the
	// crash test; nil (always, in production) does nothing.
	Failpoints *failpoint.Set
}

// Backoff is the wait before the attempt after `attempts` failed ones:
// 1 s, 2 s, 4 s … up to an hour.
func Backoff(attempts int) time.Duration {
	return min(time.Hour, time.Second<<min(max(attempts-1, 0), 12))
}

// Deliver sends what is due and returns how many messages were sent.
func (d Deliverer) Deliver(ctx context.Context) (int, error) {
	batch, maxRun, lease := d.Batch, d.MaxRun, d.Lease
	if batch <= 0 {
		batch = 50
	}
	if maxRun <= 0 {
		maxRun = 5 * time.Second
	}
	if lease <= 0 {
		lease = time.Minute
	}
	start := d.Clock.Now()
	total := 0
	for {
		now := d.Clock.Now()
		msgs, err := d.Outbox.ClaimDue(ctx, now, now.Add(lease), batch)
		if err != nil {
			return total, fmt.Errorf("claim outbox: %w", err)
		}
		n, err := d.deliver(ctx, msgs)
		total += n
		if err != nil || len(msgs) < batch || d.Clock.Now().Sub(start) >= maxRun || ctx.Err() != nil {
			return total, err
		}
	}
}

// deliver sends one claimed batch. The outcomes are written even if ctx
// ends meanwhile (a shutdown): a message that went out and is not marked
// would be sent again.
func (d Deliverer) deliver(ctx context.Context, msgs []Message) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	byChannel := map[string][]Letter{}
	var channels []string
	var errs []error
	for _, m := range msgs {
		if d.Transports[m.Channel] == nil {
			errs = append(errs, d.fail(ctx, m, Permanent(fmt.Errorf("no transport for channel %q", m.Channel))))
			continue
		}
		l, err := d.Composer.Compose(ctx, m, wantsBodies(d.Transports[m.Channel]))
		if err != nil {
			errs = append(errs, d.fail(ctx, m, fmt.Errorf("compose: %w", err)))
			continue
		}
		if byChannel[m.Channel] == nil {
			channels = append(channels, m.Channel)
		}
		byChannel[m.Channel] = append(byChannel[m.Channel], l)
	}
	var sent []string
	var sentLetters []Letter
	for _, ch := range channels {
		letters := byChannel[ch]
		results := d.Transports[ch].Send(ctx, letters)
		for i, l := range letters {
			var err error
			if i < len(results) {
				err = results[i]
			} else {
				err = errors.New("transport gave no answer")
			}
			if err != nil {
				errs = append(errs, d.fail(ctx, l.Message, err))
				continue
			}
			sent = append(sent, l.ID)
			sentLetters = append(sentLetters, l)
		}
	}
	if len(sent) > 0 {
		d.Failpoints.Hit(failpoint.OutboxAfterSend)
	}
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	now := d.Clock.Now()
	if err := d.Outbox.MarkSent(mctx, sent, now); err != nil {
		return 0, errors.Join(append(errs, fmt.Errorf("mark sent: %w", err))...)
	}
	if d.Observer != nil {
		for _, l := range sentLetters {
			d.Observer.Sent(l.Channel, l.Kind, now.Sub(l.CreatedAt))
		}
	}
	return len(sent), errors.Join(errs...)
}

// fail records a failed attempt: retried after a backoff, or dead when the
// failure is permanent or the attempts are used up. It returns only an
// error of the store.
func (d Deliverer) fail(ctx context.Context, m Message, cause error) error {
	maxAttempts := d.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = 10
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	now := d.Clock.Now()
	attempts := m.Attempts + 1
	reason := cause.Error()
	if len(reason) > 500 {
		reason = reason[:500]
	}
	if IsPermanent(cause) || attempts >= maxAttempts {
		d.logger().Warn("message dead: not sending it again", "message_id", m.ID, "channel", m.Channel, "kind", m.Kind,
			"attempts", attempts, "err", cause)
		if d.Observer != nil {
			d.Observer.Dead(m.Channel)
		}
		return d.Outbox.MarkDead(ctx, m.ID, now, reason)
	}
	next := now.Add(Backoff(attempts))
	d.logger().Info("message not sent; will retry", "message_id", m.ID, "channel", m.Channel, "attempts", attempts,
		"retry_at", next, "err", cause)
	if d.Observer != nil {
		d.Observer.Failed(m.Channel)
	}
	return d.Outbox.MarkFailed(ctx, m.ID, next, reason)
}

func (d Deliverer) logger() *slog.Logger {
	if d.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Log
}
