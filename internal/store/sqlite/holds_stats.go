package sqlite

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/internal/store"
)

// ActiveHolds counts an event's holds that are unexpired at now or in
// payment, for the per-event saturation gauge. The (event_id, status)
// index keeps it to the event's live holds.
func (s *Store) ActiveHolds(ctx context.Context, eventID string, now time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM holds
		WHERE event_id = ? AND ((status = 'active' AND expires_at > ?) OR status = 'paying')`, eventID, store.Millis(now)).Scan(&n)
	return n, err
}
