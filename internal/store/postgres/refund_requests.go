package postgres

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/internal/store"
)

// RequestRefund notes that a paid order's refund was asked for at `at`,
// before the provider is called; a second request keeps the first time.
func (s *Store) RequestRefund(ctx context.Context, orderID string, at time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE orders SET refund_requested_at = $1
		WHERE id = $2 AND status = 'paid' AND refund_requested_at IS NULL`, store.Millis(at), orderID)
	return err
}

// RefundsRequested lists paid orders whose refund was asked for before
// `before` and is not recorded, oldest request first.
func (s *Store) RefundsRequested(ctx context.Context, before time.Time, limit int) ([]string, error) {
	return queryIDs(ctx, s.pool, `SELECT id FROM orders WHERE status = 'paid' AND refund_requested_at IS NOT NULL
		AND refund_requested_at < $1 ORDER BY refund_requested_at LIMIT $2`, store.Millis(before), limit)
}
