package sqlite

import (
	"context"

	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/store"
)

// salesLines sums the line items of an event's orders that were ever paid,
// by kind: all of them, then those of refunded orders (refunds are whole).
const salesLines = `SELECT
	COALESCE(SUM(CASE WHEN k = 'ticket' THEN c END), 0),
	COALESCE(SUM(CASE WHEN k = 'service_fee' THEN c END), 0),
	COALESCE(SUM(CASE WHEN k = 'order_fee' THEN c END), 0),
	COALESCE(SUM(CASE WHEN k = 'add_on' THEN c END), 0),
	COALESCE(SUM(CASE WHEN k = 'ticket' AND r THEN c END), 0),
	COALESCE(SUM(CASE WHEN k = 'service_fee' AND r THEN c END), 0),
	COALESCE(SUM(CASE WHEN k = 'order_fee' AND r THEN c END), 0),
	COALESCE(SUM(CASE WHEN k = 'add_on' AND r THEN c END), 0)
FROM (SELECT o.status = 'refunded' AS r, json_extract(li.value, '$.kind') AS k, json_extract(li.value, '$.total_cents') AS c
	FROM orders o, json_each(o.line_items_json) li
	WHERE o.event_id = ? AND o.status IN ('paid', 'refunded'))`

// salesSections sums the same orders' tickets by section: each ticket at
// the price its seat was held at, plus its order's service fee.
const salesSections = `WITH sold AS (
	SELECT o.id, o.hold_id, o.status,
		COALESCE((SELECT json_extract(li.value, '$.unit_cents') FROM json_each(o.line_items_json) li
			WHERE json_extract(li.value, '$.kind') = 'service_fee' LIMIT 1), 0) AS fee
	FROM orders o WHERE o.event_id = ? AND o.status IN ('paid', 'refunded'))
SELECT t.section_name,
	SUM(CASE WHEN t.status = 'valid' THEN 1 ELSE 0 END),
	SUM(CASE WHEN sold.status = 'refunded' THEN 1 ELSE 0 END),
	SUM(hs.price_cents),
	SUM(sold.fee),
	SUM(CASE WHEN sold.status = 'refunded' THEN hs.price_cents + sold.fee ELSE 0 END)
FROM sold JOIN tickets t ON t.order_id = sold.id
JOIN hold_seats hs ON hs.hold_id = sold.hold_id AND hs.seat_no = t.seat_no
GROUP BY t.section_name ORDER BY MIN(t.seat_no)`

// SalesBreakdown sums an event's money by kind and its tickets by section.
func (s *Store) SalesBreakdown(ctx context.Context, eventID string) (booking.SalesBreakdown, error) {
	var gross, refunded [4]int64
	err := s.r.QueryRowContext(ctx, salesLines, eventID).Scan(&gross[0], &gross[1], &gross[2], &gross[3],
		&refunded[0], &refunded[1], &refunded[2], &refunded[3])
	if err != nil {
		return booking.SalesBreakdown{}, err
	}
	rows, err := s.r.QueryContext(ctx, salesSections, eventID)
	if err != nil {
		return booking.SalesBreakdown{}, err
	}
	defer rows.Close()
	var secs []booking.SectionSales
	for rows.Next() {
		var name string
		var sold, back int
		var face, fees, ref int64
		if err := rows.Scan(&name, &sold, &back, &face, &fees, &ref); err != nil {
			return booking.SalesBreakdown{}, err
		}
		secs = append(secs, store.SectionSales(name, sold, back, face, fees, ref))
	}
	if err := rows.Err(); err != nil {
		return booking.SalesBreakdown{}, err
	}
	return store.Breakdown(gross, refunded, secs), nil
}
