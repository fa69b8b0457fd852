package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice/boxoffice/internal/idempotency"
	"github.com/boxoffice/boxoffice/internal/store"
)

var _ idempotency.Store = (*Store)(nil)

// ClaimKey inserts a pending key, or returns the record already there.
//
// Replays may arrive at several instances at once. INSERT … ON CONFLICT DO
// NOTHING lets exactly one of them claim the key: the others wait for the
// claimer's insert to commit, insert nothing, and read its record. A claim
// released in between (the first request failed with a 5xx) is claimed
// again on the next round.
func (s *Store) ClaimKey(ctx context.Context, userID, key, hash string, now time.Time) (idempotency.Record, bool, error) {
	for round := 0; ; round++ {
		tag, err := s.pool.Exec(ctx, `INSERT INTO idempotency_keys (user_id, key, request_hash, status, created_at)
			VALUES ($1, $2, $3, 'pending', $4) ON CONFLICT (user_id, key) DO NOTHING`, userID, key, hash, store.Millis(now))
		if err != nil {
			return idempotency.Record{}, false, err
		}
		if tag.RowsAffected() == 1 {
			return idempotency.Record{RequestHash: hash, CreatedAt: now}, true, nil
		}
		var rec idempotency.Record
		var status string
		var code *int
		var ctype *string
		var created int64
		err = s.pool.QueryRow(ctx, `SELECT request_hash, status, response_status, response_type, response_body, created_at
			FROM idempotency_keys WHERE user_id = $1 AND key = $2`, userID, key).Scan(&rec.RequestHash, &status, &code, &ctype, &rec.Body, &created)
		if errors.Is(err, pgx.ErrNoRows) && round < 10 {
			continue // released since our insert: claim it again
		}
		if err != nil {
			return rec, false, err
		}
		rec.Done, rec.CreatedAt = status == "done", store.Time(created)
		if code != nil {
			rec.Status = *code
		}
		if ctype != nil {
			rec.ContentType = *ctype
		}
		return rec, false, nil
	}
}

// FinishKey stores the response for a claimed key.
func (s *Store) FinishKey(ctx context.Context, userID, key string, status int, ctype string, body []byte) error {
	_, err := s.pool.Exec(ctx, `UPDATE idempotency_keys SET status = 'done', response_status = $1, response_type = $2, response_body = $3
		WHERE user_id = $4 AND key = $5`, status, ctype, body, userID, key)
	return err
}

// ReleaseKey deletes a pending claim.
func (s *Store) ReleaseKey(ctx context.Context, userID, key string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status = 'pending'`, userID, key)
	return err
}

// RenewKey moves a pending claim's time from from to to.
func (s *Store) RenewKey(ctx context.Context, userID, key string, from, to time.Time) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE idempotency_keys SET created_at = $1
		WHERE user_id = $2 AND key = $3 AND status = 'pending' AND created_at = $4`, store.Millis(to), userID, key, store.Millis(from))
	return tag.RowsAffected() == 1, err
}

// PurgeKeys deletes keys created before t.
func (s *Store) PurgeKeys(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, store.Millis(before))
	return int(tag.RowsAffected()), err
}
