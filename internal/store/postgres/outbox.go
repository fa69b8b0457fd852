package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice/boxoffice/internal/notify"
	"github.com/boxoffice/boxoffice/internal/store"
)

var _ notify.Outbox = (*Store)(nil)

// ClaimDue leases due messages to this caller until lease. SKIP LOCKED lets
// the outbox workers of several instances take disjoint batches at once.
func (s *Store) ClaimDue(ctx context.Context, now, lease time.Time, limit int) ([]notify.Message, error) {
	var out []notify.Message
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		out = nil
		rows, err := tx.Query(ctx, `WITH due AS MATERIALIZED (
				SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $2
				ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
			UPDATE outbox o SET next_attempt_at = $1, attempts = o.attempts + 1 FROM due
			WHERE o.id = due.id
			RETURNING o.id, o.channel, o.recipient, o.subject, o.body, o.created_at, o.attempts - 1`,
			store.Millis(lease), store.Millis(now), limit)
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
		return rows.Err()
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

// OutboxBacklog reports unsent messages and the age of the oldest, for
// saturation metrics and the stuck-outbox alert.
func (s *Store) OutboxBacklog(ctx context.Context, now time.Time) (int, time.Duration, error) {
	var n int
	var oldest *int64
	err := s.pool.QueryRow(ctx, `SELECT COUNT(*), MIN(created_at) FROM outbox WHERE sent_at IS NULL`).Scan(&n, &oldest)
	if err != nil || oldest == nil {
		return n, 0, err
	}
	return n, now.Sub(store.Time(*oldest)), nil
}

// PurgeSessions deletes expired sessions.
func (s *Store) PurgeSessions(ctx context.Context, now time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, store.Millis(now))
	return int(tag.RowsAffected()), err
}
