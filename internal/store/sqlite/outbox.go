package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/boxoffice/boxoffice/internal/notify"
	"github.com/boxoffice/boxoffice/internal/store"
)

var (
	_ notify.Outbox  = (*Store)(nil)
	_ notify.Mailbox = (*Store)(nil)
)

const messageColumns = `id, channel, recipient, kind, ref, subject, body, created_at, attempts,
	COALESCE(sent_at, 0), COALESCE(dead_at, 0), COALESCE(last_error, '')`

func scanMessages(rows *sql.Rows) ([]notify.Message, error) {
	defer rows.Close()
	out := []notify.Message{}
	for rows.Next() {
		var m notify.Message
		var created, sent, dead int64
		if err := rows.Scan(&m.ID, &m.Channel, &m.To, &m.Kind, &m.Ref, &m.Subject, &m.Body, &created, &m.Attempts,
			&sent, &dead, &m.LastError); err != nil {
			return nil, err
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

// ClaimDue leases due messages to this caller until lease.
func (s *Store) ClaimDue(ctx context.Context, now, lease time.Time, limit int) ([]notify.Message, error) {
	var out []notify.Message
	err := s.inTx(ctx, func(tx *tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+messageColumns+` FROM outbox
			WHERE sent_at IS NULL AND dead_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`, store.Millis(now), limit)
		if err != nil {
			return err
		}
		if out, err = scanMessages(rows); err != nil {
			return err
		}
		for _, m := range out {
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET next_attempt_at = ?, attempts = attempts + 1 WHERE id = ?`, store.Millis(lease), m.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// MarkSent records the delivery of messages, in one statement.
func (s *Store) MarkSent(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{store.Millis(at)}
	for _, id := range ids {
		args = append(args, id)
	}
	_, err := s.w.ExecContext(ctx, `UPDATE outbox SET sent_at = ?, last_error = NULL WHERE id IN (`+placeholders(len(ids))+`)`, args...)
	return err
}

// MarkFailed records a failed attempt.
func (s *Store) MarkFailed(ctx context.Context, id string, next time.Time, reason string) error {
	_, err := s.w.ExecContext(ctx, `UPDATE outbox SET next_attempt_at = ?, last_error = ? WHERE id = ?`, store.Millis(next), reason, id)
	return err
}

// MarkDead gives up on a message.
func (s *Store) MarkDead(ctx context.Context, id string, at time.Time, reason string) error {
	_, err := s.w.ExecContext(ctx, `UPDATE outbox SET dead_at = ?, last_error = ? WHERE id = ? AND sent_at IS NULL`, store.Millis(at), reason, id)
	return err
}

// Messages lists outbox messages for admins, newest first.
func (s *Store) Messages(ctx context.Context, q notify.Query) ([]notify.Message, error) {
	where, args := `WHERE 1 = 1`, []any{}
	switch q.Status {
	case notify.StatusDead:
		where += ` AND dead_at IS NOT NULL`
	case notify.StatusPending:
		where += ` AND sent_at IS NULL AND dead_at IS NULL`
	case notify.StatusSent:
		where += ` AND sent_at IS NOT NULL`
	}
	if q.Ref != "" {
		where += ` AND ref = ?`
		args = append(args, q.Ref)
	}
	if q.ID != "" {
		where += ` AND id = ?`
		args = append(args, q.ID)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+messageColumns+` FROM outbox `+where+` ORDER BY created_at DESC, id DESC LIMIT ?`,
		append(args, q.Limit)...)
	if err != nil {
		return nil, err
	}
	return scanMessages(rows)
}

// Revive makes a dead message due again, with its attempts counted anew.
func (s *Store) Revive(ctx context.Context, id string, now time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE outbox SET dead_at = NULL, attempts = 0, next_attempt_at = ? WHERE id = ? AND dead_at IS NOT NULL`,
		store.Millis(now), id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	return notify.ErrNotDead
}

// OutboxBacklog reports unsent live messages, the age of the oldest and
// the dead ones, for saturation metrics and the outbox alerts.
func (s *Store) OutboxBacklog(ctx context.Context, now time.Time) (notify.Backlog, error) {
	var b notify.Backlog
	var oldest sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*), MIN(created_at) FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL`).Scan(&b.Pending, &oldest)
	if err != nil {
		return b, err
	}
	if oldest.Valid {
		b.OldestAge = now.Sub(store.Time(oldest.Int64))
	}
	err = s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE dead_at IS NOT NULL`).Scan(&b.Dead)
	return b, err
}

// PutMail keeps a developer-mailbox entry once per id.
func (s *Store) PutMail(ctx context.Context, e notify.MailboxEntry) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO dev_mailbox (id, channel, recipient, subject, raw, created_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`, e.ID, e.Channel, e.To, e.Subject, e.Raw, store.Millis(e.CreatedAt))
	return err
}

// Mails lists the developer mailbox, newest first.
func (s *Store) Mails(ctx context.Context, limit int) ([]notify.MailboxEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, channel, recipient, subject, created_at FROM dev_mailbox ORDER BY created_at DESC, id DESC LIMIT ?`, limit)
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
	err := s.r.QueryRowContext(ctx, `SELECT channel, recipient, subject, raw, created_at FROM dev_mailbox WHERE id = ?`, id).
		Scan(&e.Channel, &e.To, &e.Subject, &e.Raw, &at)
	e.CreatedAt = store.Time(at)
	return e, notFound(err, "message")
}

// PurgeSessions deletes expired sessions.
func (s *Store) PurgeSessions(ctx context.Context, now time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, store.Millis(now))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
