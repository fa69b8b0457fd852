package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/store"
)

// TakenSeats lists the places sold or in an unexpired hold, reading only
// three narrow columns of the event's primary-key range: the live seat map
// polls it.
func (s *Store) TakenSeats(ctx context.Context, eventID string, now time.Time) ([]booking.TakenSeat, error) {
	// One string of every taken place (store.ParseTaken), in seat order:
	// the subquery's order is the primary key's, which group_concat keeps.
	var agg sql.NullString
	err := s.r.QueryRowContext(ctx, `SELECT group_concat(`+store.TakenSQL+`, ',') FROM (SELECT seat_no, order_id FROM seats
		WHERE event_id = ? AND (order_id IS NOT NULL OR hold_until > ?) ORDER BY seat_no)`, eventID, store.Millis(now)).Scan(&agg)
	if err != nil {
		return nil, err
	}
	return store.ParseTaken(agg.String)
}

// PlanSeats returns every place of an event in seat-number order (the
// primary key's order, so no sort) with only the columns that never change.
// Section names come from a second, tiny query rather than a join per seat,
// which would triple the cost of reading a stadium.
func (s *Store) PlanSeats(ctx context.Context, eventID string) ([]booking.Seat, error) {
	type section struct {
		name string
		ga   bool
	}
	sections := map[string]section{}
	rows, err := s.r.QueryContext(ctx, `SELECT sec.id, sec.name, sec.general_admission FROM sections sec
		JOIN events e ON e.venue_id = sec.venue_id WHERE e.id = ?`, eventID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id string
		var sec section
		if err := rows.Scan(&id, &sec.name, &sec.ga); err != nil {
			rows.Close()
			return nil, err
		}
		sections[id] = sec
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.r.QueryContext(ctx, `SELECT seat_no, section_id, COALESCE(row_name, ''), row_index, COALESCE(number, 0), score, price_cents
		FROM seats WHERE event_id = ? ORDER BY seat_no`, eventID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []booking.Seat
	for rows.Next() {
		var st booking.Seat
		if err := rows.Scan(&st.No, &st.SectionID, &st.Row, &st.RowIndex, &st.Number, &st.Score, &st.PriceCents); err != nil {
			return nil, err
		}
		sec := sections[st.SectionID]
		st.Section, st.GA = sec.name, sec.ga
		out = append(out, st)
	}
	return out, rows.Err()
}
