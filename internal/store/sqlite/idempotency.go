package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/boxoffice/boxoffice/internal/idempotency"
	"github.com/boxoffice/boxoffice/internal/store"
)

var _ idempotency.Store = (*Store)(nil)

// ClaimKey inserts a pending key, or returns the record already there.
func (s *Store) ClaimKey(ctx context.Context, userID, key, hash string, now time.Time) (idempotency.Record, bool, error) {
	var rec idempotency.Record
	claimed := false
	err := s.inTx(ctx, func(tx *tx) error {
		var status string
		var code sql.NullInt64
		var ctype sql.NullString
		var created int64
		err := tx.QueryRowContext(ctx, `SELECT request_hash, status, response_status, response_type, response_body, created_at
			FROM idempotency_keys WHERE user_id = ? AND key = ?`, userID, key).Scan(&rec.RequestHash, &status, &code, &ctype, &rec.Body, &created)
		if errors.Is(err, sql.ErrNoRows) {
			claimed = true
			rec = idempotency.Record{RequestHash: hash, CreatedAt: now}
			_, err = tx.ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, key, request_hash, status, created_at) VALUES (?, ?, ?, 'pending', ?)`,
				userID, key, hash, store.Millis(now))
			return err
		}
		rec.Done, rec.Status, rec.ContentType, rec.CreatedAt = status == "done", int(code.Int64), ctype.String, store.Time(created)
		return err
	})
	return rec, claimed, err
}

// FinishKey stores the response for a claimed key.
func (s *Store) FinishKey(ctx context.Context, userID, key string, status int, ctype string, body []byte) error {
	_, err := s.w.ExecContext(ctx, `UPDATE idempotency_keys SET status = 'done', response_status = ?, response_type = ?, response_body = ?
		WHERE user_id = ? AND key = ?`, status, ctype, body, userID, key)
	return err
}

// ReleaseKey deletes a pending claim.
func (s *Store) ReleaseKey(ctx context.Context, userID, key string) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND status = 'pending'`, userID, key)
	return err
}

// RenewKey moves a pending claim's time from from to to.
func (s *Store) RenewKey(ctx context.Context, userID, key string, from, to time.Time) (bool, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE idempotency_keys SET created_at = ?
		WHERE user_id = ? AND key = ? AND status = 'pending' AND created_at = ?`, store.Millis(to), userID, key, store.Millis(from))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// PurgeKeys deletes keys created before t.
func (s *Store) PurgeKeys(ctx context.Context, before time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`, store.Millis(before))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
