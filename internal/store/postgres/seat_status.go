package postgres

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/store"
)

// TakenSeats lists the places sold or in an unexpired hold, reading only
// two narrow columns of the event's primary-key range: the live seat map
// polls it.
func (s *Store) TakenSeats(ctx context.Context, eventID string, now time.Time) ([]booking.TakenSeat, error) {
	rows, err := s.pool.Query(ctx, `SELECT seat_no, order_id IS NOT NULL FROM seats
		WHERE event_id = $1 AND (order_id IS NOT NULL OR hold_until > $2) ORDER BY seat_no`, eventID, store.Millis(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []booking.TakenSeat{}
	for rows.Next() {
		var t booking.TakenSeat
		if err := rows.Scan(&t.No, &t.Sold); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
