package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/store"
)

// The reads below take a queryer so that the same SQL serves both the read
// pool and a write transaction.

const seatColumns = `s.seat_no, s.section_id, sec.name, sec.general_admission, COALESCE(s.row_name, ''), s.row_index,
	COALESCE(s.number, 0), s.score, s.price_cents, COALESCE(s.hold_id, ''), s.hold_until, COALESCE(s.order_id, '')`

func scanSeats(rows *sql.Rows, fn func(booking.Seat) bool) error {
	defer rows.Close()
	for rows.Next() {
		var st booking.Seat
		var until sql.NullInt64
		if err := rows.Scan(&st.No, &st.SectionID, &st.Section, &st.GA, &st.Row, &st.RowIndex, &st.Number, &st.Score,
			&st.PriceCents, &st.HoldID, &until, &st.OrderID); err != nil {
			return err
		}
		if until.Valid {
			st.HoldUntil = store.Time(until.Int64)
		}
		if !fn(st) {
			break
		}
	}
	return rows.Err()
}

// Seats returns every place of an event in map order.
func (s *Store) Seats(ctx context.Context, eventID string) ([]booking.Seat, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+seatColumns+` FROM seats s JOIN sections sec ON sec.id = s.section_id
		WHERE s.event_id = ? ORDER BY s.seat_no`, eventID) // seat_no follows section, row, number order
	if err != nil {
		return nil, err
	}
	var out []booking.Seat
	return out, scanSeats(rows, func(st booking.Seat) bool { out = append(out, st); return true })
}

// SeatCounts counts an event's places by status in one statement, so the
// three numbers come from one snapshot and always add up to capacity.
func (s *Store) SeatCounts(ctx context.Context, eventID string, now time.Time) (booking.SeatCounts, error) {
	var c booking.SeatCounts
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*),
		COALESCE(SUM(order_id IS NOT NULL), 0),
		COALESCE(SUM(order_id IS NULL AND hold_until > ?), 0)
		FROM seats WHERE event_id = ?`, store.Millis(now), eventID).Scan(&c.Capacity, &c.Sold, &c.Held)
	c.Available = c.Capacity - c.Sold - c.Held
	return c, err
}

func holdByID(ctx context.Context, q queryer, id string) (booking.Hold, error) {
	var h booking.Hold
	var expires, created int64
	var orderID sql.NullString
	err := q.QueryRowContext(ctx, `SELECT id, event_id, user_id, status, expires_at, quantity, subtotal_cents, currency, order_id, created_at
		FROM holds WHERE id = ?`, id).Scan(&h.ID, &h.EventID, &h.UserID, &h.Status, &expires, &h.Quantity, &h.SubtotalCents, &h.Currency, &orderID, &created)
	if err != nil {
		return h, notFound(err, "hold")
	}
	h.ExpiresAt, h.CreatedAt, h.OrderID = store.Time(expires), store.Time(created), orderID.String
	rows, err := q.QueryContext(ctx, `SELECT seat_no, section_name, row_name, number, price_cents FROM hold_seats WHERE hold_id = ? ORDER BY seat_no`, id)
	if err != nil {
		return h, err
	}
	defer rows.Close()
	for rows.Next() {
		var hs booking.HeldSeat
		var row sql.NullString
		var num sql.NullInt64
		if err := rows.Scan(&hs.No, &hs.Section, &row, &num, &hs.PriceCents); err != nil {
			return h, err
		}
		hs.ID = fmt.Sprint(hs.No)
		if row.Valid {
			hs.Row = &row.String
		}
		if num.Valid {
			n := int(num.Int64)
			hs.Number = &n
		}
		h.Seats = append(h.Seats, hs)
	}
	return h, rows.Err()
}

// Hold returns a hold with its seats.
func (s *Store) Hold(ctx context.Context, id string) (booking.Hold, error) {
	return holdByID(ctx, s.r, id)
}

const orderColumns = `id, event_id, user_id, hold_id, status, currency, delivery, line_items_json, subtotal_cents, fees_cents, total_cents,
	refunded_cents, provider, COALESCE(charge_id, ''), created_at, updated_at, confirm_by, phone, card_brand, card_last4, COALESCE(number, 0)`

func queryOrders(ctx context.Context, q queryer, where string, args ...any) ([]booking.Order, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+orderColumns+` FROM orders `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []booking.Order{}
	for rows.Next() {
		var o booking.Order
		var items string
		var created, updated int64
		var confirmBy string
		if err := rows.Scan(&o.ID, &o.EventID, &o.UserID, &o.HoldID, &o.Status, &o.Currency, &o.Delivery, &items, &o.SubtotalCents,
			&o.FeesCents, &o.TotalCents, &o.RefundedCents, &o.Payment.Provider, &o.Payment.ChargeID, &created, &updated, &confirmBy, &o.Phone,
			&o.Payment.CardBrand, &o.Payment.CardLast4, &o.Number); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(items), &o.LineItems); err != nil {
			return nil, fmt.Errorf("order %s line items: %w", o.ID, err)
		}
		o.CreatedAt, o.UpdatedAt, o.ConfirmBy = store.Time(created), store.Time(updated), store.SplitChannels(confirmBy)
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	for i := range out {
		ts, err := queryTickets(ctx, q, `WHERE order_id = ? ORDER BY seat_no`, out[i].ID)
		if err != nil {
			return nil, err
		}
		out[i].Tickets = ts
	}
	return out, nil
}

func orderByID(ctx context.Context, q queryer, id string) (booking.Order, error) {
	os, err := queryOrders(ctx, q, `WHERE id = ?`, id)
	if err != nil {
		return booking.Order{}, err
	}
	if len(os) == 0 {
		return booking.Order{}, apperr.E(apperr.NotFound, "no such order")
	}
	return os[0], nil
}

// Order returns an order with its tickets.
func (s *Store) Order(ctx context.Context, id string) (booking.Order, error) {
	return orderByID(ctx, s.r, id)
}

func listWhere(q booking.ListQuery) (string, []any) {
	where, args := []string{"1=1"}, []any{}
	if q.UserID != "" {
		where, args = append(where, "user_id = ?"), append(args, q.UserID)
	}
	if q.EventID != "" {
		where, args = append(where, "event_id = ?"), append(args, q.EventID)
	}
	if q.ValidOnly {
		where = append(where, "status = 'valid'")
	}
	if q.NoFailed {
		where = append(where, "status <> 'payment_failed'")
	}
	if q.BeforeID != "" {
		t := store.Millis(q.Before)
		where, args = append(where, "(created_at < ? OR (created_at = ? AND id < ?))"), append(args, t, t, q.BeforeID)
	}
	return "WHERE " + strings.Join(where, " AND ") + " ORDER BY created_at DESC, id DESC LIMIT ?", append(args, q.Limit)
}

// Orders lists orders newest first.
func (s *Store) Orders(ctx context.Context, q booking.ListQuery) ([]booking.Order, error) {
	where, args := listWhere(q)
	return queryOrders(ctx, s.r, where, args...)
}

const ticketColumns = `id, order_id, event_id, user_id, seat_no, section_name, row_name, number, barcode, status, checked_in_at, created_at`

func queryTickets(ctx context.Context, q queryer, where string, args ...any) ([]booking.Ticket, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+ticketColumns+` FROM tickets `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []booking.Ticket{}
	for rows.Next() {
		var t booking.Ticket
		var row sql.NullString
		var num, checked sql.NullInt64
		var created int64
		if err := rows.Scan(&t.ID, &t.OrderID, &t.EventID, &t.UserID, &t.SeatNo, &t.Section, &row, &num, &t.Barcode, &t.Status, &checked, &created); err != nil {
			return nil, err
		}
		t.SeatID = fmt.Sprint(t.SeatNo)
		if row.Valid {
			t.Row = &row.String
		}
		if num.Valid {
			n := int(num.Int64)
			t.Number = &n
		}
		t.CheckedInAt, t.CreatedAt = store.NullTime(checked), store.Time(created)
		out = append(out, t)
	}
	return out, rows.Err()
}

func ticketByID(ctx context.Context, q queryer, id string) (booking.Ticket, error) {
	ts, err := queryTickets(ctx, q, `WHERE id = ?`, id)
	if err != nil {
		return booking.Ticket{}, err
	}
	if len(ts) == 0 {
		return booking.Ticket{}, apperr.E(apperr.NotFound, "no such ticket")
	}
	return ts[0], nil
}

// Ticket returns one ticket.
func (s *Store) Ticket(ctx context.Context, id string) (booking.Ticket, error) {
	return ticketByID(ctx, s.r, id)
}

// Tickets lists tickets newest first.
func (s *Store) Tickets(ctx context.Context, q booking.ListQuery) ([]booking.Ticket, error) {
	where, args := listWhere(q)
	return queryTickets(ctx, s.r, where, args...)
}

// OrderFigures sums an event's orders that were ever paid.
func (s *Store) OrderFigures(ctx context.Context, eventID string) (int, int64, int64, error) {
	var n int
	var gross, refunded int64
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(total_cents), 0), COALESCE(SUM(refunded_cents), 0)
		FROM orders WHERE event_id = ? AND status IN ('paid', 'refunded')`, eventID).Scan(&n, &gross, &refunded)
	return n, gross, refunded, err
}

// CheckinCounts counts the event's valid tickets and the scanned ones
// among them, through the index of valid tickets by event.
func (s *Store) CheckinCounts(ctx context.Context, eventID string) (int, int, error) {
	var in, all int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(checked_in_at), COUNT(*) FROM tickets
		WHERE event_id = ? AND status = 'valid'`, eventID).Scan(&in, &all)
	return in, all, err
}

// PaidOrderIDs lists an event's paid orders.
func (s *Store) PaidOrderIDs(ctx context.Context, eventID string) ([]string, error) {
	return queryIDs(ctx, s.r, `SELECT id FROM orders WHERE event_id = ? AND status = 'paid' ORDER BY created_at`, eventID)
}

// PendingOrders lists orders pending since before `before`.
func (s *Store) PendingOrders(ctx context.Context, before time.Time, limit int) ([]booking.Order, error) {
	return queryOrders(ctx, s.r, `WHERE status = 'pending' AND created_at < ? ORDER BY created_at LIMIT ?`, store.Millis(before), limit)
}

func queryIDs(ctx context.Context, q queryer, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ExpireHolds marks active holds past their time expired and frees their
// seats, oldest first, at most limit holds per call.
func (s *Store) ExpireHolds(ctx context.Context, now time.Time, limit int) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx *tx) error {
		ids, err := queryIDs(ctx, tx, `SELECT id FROM holds WHERE status = 'active' AND expires_at <= ? ORDER BY expires_at LIMIT ?`, store.Millis(now), limit)
		if err != nil {
			return err
		}
		for _, id := range ids {
			// Only a hold still active and past its time: a concurrent
			// sweeper or checkout that got there first changes nothing here.
			res, err := tx.ExecContext(ctx, `UPDATE holds SET status = 'expired' WHERE id = ? AND status = 'active' AND expires_at <= ?`, id, store.Millis(now))
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE seats SET hold_id = NULL, hold_until = NULL WHERE hold_id = ? AND hold_until <= ?`, id, store.Millis(now)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
