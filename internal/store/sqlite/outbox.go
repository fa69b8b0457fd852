package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/boxoffice/boxoffice/internal/notify"
	"github.com/boxoffice/boxoffice/internal/store"
)

var _ notify.Outbox = (*Store)(nil)

// ClaimDue leases due messages to this caller until lease.
func (s *Store) ClaimDue(ctx context.Context, now, lease time.Time, limit int) ([]notify.Message, error) {
	var out []notify.Message
	err := s.inTx(ctx, func(tx *tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, channel, recipient, subject, body, created_at, attempts FROM outbox
			WHERE sent_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`, store.Millis(now), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m notify.Message
			var created int64
			if err := rows.Scan(&m.ID, &m.Channel, &m.To, &m.Subject, &m.Body, &created, &m.Attempts); err != nil {
				return err
			}
			m.CreatedAt = store.Time(created)
			out = append(out, m)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
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

// OutboxBacklog reports unsent messages and the age of the oldest, for
// saturation metrics and the stuck-outbox alert.
func (s *Store) OutboxBacklog(ctx context.Context, now time.Time) (int, time.Duration, error) {
	var n int
	var oldest sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*), MIN(created_at) FROM outbox WHERE sent_at IS NULL`).Scan(&n, &oldest)
	if err != nil || !oldest.Valid {
		return n, 0, err
	}
	return n, now.Sub(store.Time(oldest.Int64)), nil
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
