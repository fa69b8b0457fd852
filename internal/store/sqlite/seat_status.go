package sqlite

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/store"
)

// TakenSeats lists the places sold or in an unexpired hold, reading only
// three narrow columns of the event's primary-key range: the live seat map
// polls it.
func (s *Store) TakenSeats(ctx context.Context, eventID string, now time.Time) ([]booking.TakenSeat, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seat_no, order_id IS NOT NULL FROM seats
		WHERE event_id = ? AND (order_id IS NOT NULL OR hold_until > ?) ORDER BY seat_no`, eventID, store.Millis(now))
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

// PlanSeats returns every place of an event in seat-number order (the
// primary key's order, so no sort) with only the columns that never change.
func (s *Store) PlanSeats(ctx context.Context, eventID string) ([]booking.Seat, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT s.seat_no, s.section_id, sec.name, sec.general_admission, COALESCE(s.row_name, ''),
		s.row_index, COALESCE(s.number, 0), s.score, s.price_cents
		FROM seats s JOIN sections sec ON sec.id = s.section_id WHERE s.event_id = ? ORDER BY s.seat_no`, eventID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []booking.Seat
	for rows.Next() {
		var st booking.Seat
		if err := rows.Scan(&st.No, &st.SectionID, &st.Section, &st.GA, &st.Row, &st.RowIndex, &st.Number, &st.Score, &st.PriceCents); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}
