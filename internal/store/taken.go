package store

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/boxoffice/boxoffice/internal/booking"
)

// Taken seats travel as one string. The live seat map reads every taken
// place of an event several times a second, and near a stadium's sell-out
// that is 80,000 rows: a row through the driver costs about a microsecond,
// so the engines aggregate them in SQL instead, as "12,-13,40": the seat
// numbers in order, sold ones marked with a minus. The database loops over
// the rows; Go parses one string.

// TakenSQL is the expression that aggregates a row's seat_no and order_id
// into that form (the engines wrap it in group_concat or string_agg).
const TakenSQL = `(CASE WHEN order_id IS NOT NULL THEN '-' ELSE '' END || seat_no)`

// ParseTaken reads the aggregated form; "" is no taken place.
func ParseTaken(s string) ([]booking.TakenSeat, error) {
	out := make([]booking.TakenSeat, 0, strings.Count(s, ",")+1)
	for len(s) > 0 {
		item, rest, _ := strings.Cut(s, ",")
		s = rest
		sold := strings.HasPrefix(item, "-")
		no, err := strconv.ParseInt(strings.TrimPrefix(item, "-"), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("taken seats: %q: %w", item, err)
		}
		out = append(out, booking.TakenSeat{No: no, Sold: sold})
	}
	return out, nil
}
