package postgres

import (
	"context"

	"github.com/boxoffice/boxoffice/internal/booking"
)

// PlanSeats returns every place of an event in seat-number order (the
// primary key's order) with only the columns that never change; the web's
// cached seat plan is built from it.
func (s *Store) PlanSeats(ctx context.Context, eventID string) ([]booking.Seat, error) {
	rows, err := s.pool.Query(ctx, `SELECT s.seat_no, s.section_id, sec.name, sec.general_admission, COALESCE(s.row_name, ''),
		s.row_index, COALESCE(s.number, 0), s.score, s.price_cents
		FROM seats s JOIN sections sec ON sec.id = s.section_id WHERE s.event_id = $1 ORDER BY s.seat_no`, eventID)
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
