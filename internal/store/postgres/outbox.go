package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice/boxoffice/internal/notify"
	"github.com/boxoffice/boxoffice/internal/store"
)

var (
	_ notify.Outbox  = (*Store)(nil)
	_ notify.Mailbox = (*Store)(nil)
)

const messageColumns = `o.id, o.channel, o.recipient, o.kind, o.ref, o.subject, o.body, o.created_at, o.attempts,
	COALESCE(o.sent_at, 0), COALESCE(o.dead_at, 0), COALESCE(o.last_error, '')`

func scanMessages(rows pgx.Rows, attemptsBefore bool) ([]notify.Message, error) {
	defer rows.Close()
	out := []notify.Message{}
	for rows.Next() {
		var m notify.Message
		var created, sent, dead int64
		if err := rows.Scan(&m.ID, &m.Channel, &m.To, &m.Kind, &m.Ref, &m.Subject, &m.Body, &created, &m.Attempts,
			&sent, &dead, &m.LastError); err != nil {
			return nil, err
		}
		if attemptsBefore {
			m.Attempts-- // RETURNING gives the count after the claim
		}
		m.CreatedAt, m.SentAt, m.DeadAt = store.Time(created), optTime(sent), optTime(dead)
		out = append(out, m)
	}
	return out, rows.Err()
}

func optTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return store.Time(ms)
}

// ClaimDue leases due messages to this caller until lease. SKIP LOCKED lets
// the outbox workers of several instances take disjoint batches at once.
func (s *Store) ClaimDue(ctx context.Context, now, lease time.Time, limit int) ([]notify.Message, error) {
	var out []notify.Message
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `WITH due AS MATERIALIZED (
				SELECT id FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL AND next_attempt_at <= $2
				ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
			UPDATE outbox o SET next_attempt_at = $1, attempts = o.attempts + 1 FROM due
			WHERE o.id = due.id
			RETURNING `+messageColumns,
			store.Millis(lease), store.Millis(now), limit)
		if err != nil {
			return err
		}
		out, err = scanMessages(rows, true)
		return err
	})
	return out, err
}

// MarkSent records the delivery of messages, in one statement.
func (s *Store) MarkSent(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.pool.Exec(ctx, `UPDATE outbox SET sent_at = $1, last_error = NULL WHERE id = ANY($2)`, store.Millis(at), ids)
	return err
}

// MarkFailed records a failed attempt.
func (s *Store) MarkFailed(ctx context.Context, id string, next time.Time, reason string) error {
	_, err := s.pool.Exec(ctx, `UPDATE outbox SET next_attempt_at = $1, last_error = $2 WHERE id = $3`, store.Millis(next), reason, id)
	return err
}

// MarkDead gives up on a message.
func (s *Store) MarkDead(ctx context.Context, id string, at time.Time, reason string) error {
	_, err := s.pool.Exec(ctx, `UPDATE outbox SET dead_at = $1, last_error = $2 WHERE id = $3 AND sent_at IS NULL`, store.Millis(at), reason, id)
	return err
}

// Messages lists outbox messages for admins, newest first.
func (s *Store) Messages(ctx context.Context, q notify.Query) ([]notify.Message, error) {
	where := `WHERE ($1 = '' OR o.ref = $1) AND ($2 = '' OR o.id = $2)`
	switch q.Status {
	case notify.StatusDead:
		where += ` AND o.dead_at IS NOT NULL`
	case notify.StatusPending:
		where += ` AND o.sent_at IS NULL AND o.dead_at IS NULL`
	case notify.StatusSent:
		where += ` AND o.sent_at IS NOT NULL`
	}
	rows, err := s.pool.Query(ctx, `SELECT `+messageColumns+` FROM outbox o `+where+` ORDER BY o.created_at DESC, o.id DESC LIMIT $3`, q.Ref, q.ID, q.Limit)
	if err != nil {
		return nil, err
	}
	return scanMessages(rows, false)
}

// Revive makes a dead message due again, with its attempts counted anew.
func (s *Store) Revive(ctx context.Context, id string, now time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE outbox SET dead_at = NULL, attempts = 0, next_attempt_at = $1 WHERE id = $2 AND dead_at IS NOT NULL`,
		store.Millis(now), id)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return notify.ErrNotDead
	}
	return nil
}

// OutboxBacklog reports unsent live messages, the age of the oldest and
// the dead ones, for saturation metrics and the outbox alerts.
func (s *Store) OutboxBacklog(ctx context.Context, now time.Time) (notify.Backlog, error) {
	var b notify.Backlog
	var oldest *int64
	err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FILTER (WHERE dead_at IS NULL), MIN(created_at) FILTER (WHERE dead_at IS NULL),
		COUNT(*) FILTER (WHERE dead_at IS NOT NULL) FROM outbox WHERE sent_at IS NULL`).Scan(&b.Pending, &oldest, &b.Dead)
	if err == nil && oldest != nil {
		b.OldestAge = now.Sub(store.Time(*oldest))
	}
	return b, err
}

// PutMail keeps a developer-mailbox entry once per id.
func (s *Store) PutMail(ctx context.Context, e notify.MailboxEntry) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO dev_mailbox (id, channel, recipient, subject, raw, created_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (id) DO NOTHING`, e.ID, e.Channel, e.To, e.Subject, e.Raw, store.Millis(e.CreatedAt))
	return err
}

// Mails lists the developer mailbox, newest first.
func (s *Store) Mails(ctx context.Context, limit int) ([]notify.MailboxEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, channel, recipient, subject, created_at FROM dev_mailbox ORDER BY created_at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []notify.MailboxEntry{}
	for rows.Next() {
		var e notify.MailboxEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.Channel, &e.To, &e.Subject, &at); err != nil {
			return nil, err
		}
		e.CreatedAt = store.Time(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Mail returns one developer-mailbox entry.
func (s *Store) Mail(ctx context.Context, id string) (notify.MailboxEntry, error) {
	e := notify.MailboxEntry{ID: id}
	var at int64
	err := s.pool.QueryRow(ctx, `SELECT channel, recipient, subject, raw, created_at FROM dev_mailbox WHERE id = $1`, id).
		Scan(&e.Channel, &e.To, &e.Subject, &e.Raw, &at)
	e.CreatedAt = store.Time(at)
	return e, notFound(err, "message")
}

// PurgeSessions deletes expired sessions.
func (s *Store) PurgeSessions(ctx context.Context, now time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, store.Millis(now))
	return int(tag.RowsAffected()), err
}
