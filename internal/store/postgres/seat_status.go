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
	// One string of every taken place (store.ParseTaken), in seat order.
	var agg *string
	err := s.pool.QueryRow(ctx, `SELECT string_agg(`+store.TakenSQL+`, ',' ORDER BY seat_no) FROM seats
		WHERE event_id = $1 AND (order_id IS NOT NULL OR hold_until > $2)`, eventID, store.Millis(now)).Scan(&agg)
	if err != nil || agg == nil {
		return []booking.TakenSeat{}, err
	}
	return store.ParseTaken(*agg)
}
