package postgres

import (
	"context"

	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/store"
)

// salesLines sums the line items of an event's orders that were ever paid,
// by kind: all of them, then those of refunded orders (refunds are whole).
const salesLines = `SELECT
	COALESCE(SUM(c) FILTER (WHERE k = 'ticket'), 0)::bigint,
	COALESCE(SUM(c) FILTER (WHERE k = 'service_fee'), 0)::bigint,
	COALESCE(SUM(c) FILTER (WHERE k = 'order_fee'), 0)::bigint,
	COALESCE(SUM(c) FILTER (WHERE k = 'add_on'), 0)::bigint,
	COALESCE(SUM(c) FILTER (WHERE k = 'ticket' AND r), 0)::bigint,
	COALESCE(SUM(c) FILTER (WHERE k = 'service_fee' AND r), 0)::bigint,
	COALESCE(SUM(c) FILTER (WHERE k = 'order_fee' AND r), 0)::bigint,
	COALESCE(SUM(c) FILTER (WHERE k = 'add_on' AND r), 0)::bigint
FROM (SELECT o.status = 'refunded' AS r, li->>'kind' AS k, (li->>'total_cents')::bigint AS c
	FROM orders o, jsonb_array_elements(o.line_items_json) li
	WHERE o.event_id = $1 AND o.status IN ('paid', 'refunded')) lines`

// salesSections sums the same orders' tickets by section: each ticket at
// the price its seat was held at, plus its order's service fee.
const salesSections = `WITH sold AS (
	SELECT o.id, o.hold_id, o.status,
		COALESCE((SELECT (li->>'unit_cents')::bigint FROM jsonb_array_elements(o.line_items_json) li
			WHERE li->>'kind' = 'service_fee' LIMIT 1), 0) AS fee
	FROM orders o WHERE o.event_id = $1 AND o.status IN ('paid', 'refunded'))
SELECT t.section_name,
	COUNT(*) FILTER (WHERE t.status = 'valid'),
	COUNT(*) FILTER (WHERE sold.status = 'refunded'),
	SUM(hs.price_cents)::bigint,
	SUM(sold.fee)::bigint,
	COALESCE(SUM(hs.price_cents + sold.fee) FILTER (WHERE sold.status = 'refunded'), 0)::bigint
FROM sold JOIN tickets t ON t.order_id = sold.id
JOIN hold_seats hs ON hs.hold_id = sold.hold_id AND hs.seat_no = t.seat_no
GROUP BY t.section_name ORDER BY MIN(t.seat_no)`

// SalesBreakdown sums an event's money by kind and its tickets by section.
func (s *Store) SalesBreakdown(ctx context.Context, eventID string) (booking.SalesBreakdown, error) {
	var gross, refunded [4]int64
	err := s.pool.QueryRow(ctx, salesLines, eventID).Scan(&gross[0], &gross[1], &gross[2], &gross[3],
		&refunded[0], &refunded[1], &refunded[2], &refunded[3])
	if err != nil {
		return booking.SalesBreakdown{}, err
	}
	rows, err := s.pool.Query(ctx, salesSections, eventID)
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
