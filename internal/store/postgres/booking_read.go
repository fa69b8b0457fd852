package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/store"
)

// The reads below take a queryer so that the same SQL serves both the pool
// and a write transaction.

const seatColumns = `s.seat_no, s.section_id, sec.name, sec.general_admission, COALESCE(s.row_name, ''), s.row_index,
	COALESCE(s.number, 0), s.score, s.price_cents, COALESCE(s.hold_id, ''), s.hold_until, COALESCE(s.order_id, '')`

// scanSeats calls fn for each row until it returns false. It reports
// whether fn asked to stop.
func scanSeats(rows pgx.Rows, fn func(booking.Seat) bool) (stopped bool, err error) {
	defer rows.Close()
	for rows.Next() {
		var st booking.Seat
		var until *int64
		if err := rows.Scan(&st.No, &st.SectionID, &st.Section, &st.GA, &st.Row, &st.RowIndex, &st.Number, &st.Score,
			&st.PriceCents, &st.HoldID, &until, &st.OrderID); err != nil {
			return false, err
		}
		if until != nil {
			st.HoldUntil = store.Time(*until)
		}
		if !fn(st) {
			return true, nil
		}
	}
	return false, rows.Err()
}

// Seats returns every place of an event in map order.
func (s *Store) Seats(ctx context.Context, eventID string) ([]booking.Seat, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+seatColumns+` FROM seats s JOIN sections sec ON sec.id = s.section_id
		WHERE s.event_id = $1 ORDER BY sec.position, s.row_index, s.number NULLS FIRST, s.seat_no`, eventID)
	if err != nil {
		return nil, err
	}
	var out []booking.Seat
	_, err = scanSeats(rows, func(st booking.Seat) bool { out = append(out, st); return true })
	return out, err
}

// SeatCounts counts an event's places by status in one statement, so the
// three numbers come from one snapshot and always add up to capacity.
func (s *Store) SeatCounts(ctx context.Context, eventID string, now time.Time) (booking.SeatCounts, error) {
	var c booking.SeatCounts
	err := s.pool.QueryRow(ctx, `SELECT COUNT(*),
		COUNT(*) FILTER (WHERE order_id IS NOT NULL),
		COUNT(*) FILTER (WHERE order_id IS NULL AND hold_until > $2)
		FROM seats WHERE event_id = $1`, eventID, store.Millis(now)).Scan(&c.Capacity, &c.Sold, &c.Held)
	c.Available = c.Capacity - c.Sold - c.Held
	return c, err
}

// holdByID reads a hold and its seats in one round trip. lock is "" or a
// locking clause such as "FOR UPDATE", for reads inside a transaction that
// decide a write.
func holdByID(ctx context.Context, q queryer, id, lock string) (booking.Hold, error) {
	var h booking.Hold
	var expires, created int64
	var orderID *string
	var seats []byte
	err := q.QueryRow(ctx, `SELECT h.id, h.event_id, h.user_id, h.status, h.expires_at, h.quantity, h.subtotal_cents, h.currency, h.order_id, h.created_at,
		(SELECT COALESCE(json_agg(json_build_object('no', hs.seat_no, 'section', hs.section_name, 'row', hs.row_name, 'number', hs.number,
			'price_cents', hs.price_cents) ORDER BY hs.seat_no), '[]') FROM hold_seats hs WHERE hs.hold_id = h.id)
		FROM holds h WHERE h.id = $1 `+lock, id).Scan(&h.ID, &h.EventID, &h.UserID, &h.Status, &expires, &h.Quantity, &h.SubtotalCents,
		&h.Currency, &orderID, &created, &seats)
	if err != nil {
		return h, notFound(err, "hold")
	}
	h.ExpiresAt, h.CreatedAt = store.Time(expires), store.Time(created)
	if orderID != nil {
		h.OrderID = *orderID
	}
	var hs []struct {
		No         int64   `json:"no"`
		Section    string  `json:"section"`
		Row        *string `json:"row"`
		Number     *int    `json:"number"`
		PriceCents int64   `json:"price_cents"`
	}
	if err := json.Unmarshal(seats, &hs); err != nil {
		return h, fmt.Errorf("hold %s seats: %w", id, err)
	}
	for _, st := range hs {
		h.Seats = append(h.Seats, booking.HeldSeat{No: st.No, ID: strconv.FormatInt(st.No, 10), Section: st.Section, Row: st.Row,
			Number: st.Number, PriceCents: st.PriceCents})
	}
	return h, nil
}

// Hold returns a hold with its seats.
func (s *Store) Hold(ctx context.Context, id string) (booking.Hold, error) {
	return holdByID(ctx, s.pool, id, "")
}

// orderColumns read an order with its tickets as a JSON array, so that one
// round trip returns the whole order.
const orderColumns = `o.id, o.event_id, o.user_id, o.hold_id, o.status, o.currency, o.delivery, o.line_items_json, o.subtotal_cents,
	o.fees_cents, o.total_cents, o.refunded_cents, o.provider, COALESCE(o.charge_id, ''), o.created_at, o.updated_at, o.confirm_by, o.phone,
	o.card_brand, o.card_last4, o.number,
	(SELECT COALESCE(json_agg(json_build_object('id', t.id, 'event_id', t.event_id, 'user_id', t.user_id, 'seat_no', t.seat_no,
		'section', t.section_name, 'row', t.row_name, 'number', t.number, 'barcode', t.barcode, 'status', t.status,
		'checked_in_at', t.checked_in_at, 'created_at', t.created_at) ORDER BY t.seat_no), '[]') FROM tickets t WHERE t.order_id = o.id)`

// jsonTicket is a ticket as orderColumns encode it.
type jsonTicket struct {
	ID          string  `json:"id"`
	EventID     string  `json:"event_id"`
	UserID      string  `json:"user_id"`
	SeatNo      int64   `json:"seat_no"`
	Section     string  `json:"section"`
	Row         *string `json:"row"`
	Number      *int    `json:"number"`
	Barcode     string  `json:"barcode"`
	Status      string  `json:"status"`
	CheckedInAt *int64  `json:"checked_in_at"`
	CreatedAt   int64   `json:"created_at"`
}

func queryOrders(ctx context.Context, q queryer, where string, a ...any) ([]booking.Order, error) {
	rows, err := q.Query(ctx, `SELECT `+orderColumns+` FROM orders o `+where, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []booking.Order{}
	for rows.Next() {
		var o booking.Order
		var items, tickets []byte
		var created, updated int64
		var confirmBy string
		if err := rows.Scan(&o.ID, &o.EventID, &o.UserID, &o.HoldID, &o.Status, &o.Currency, &o.Delivery, &items, &o.SubtotalCents,
			&o.FeesCents, &o.TotalCents, &o.RefundedCents, &o.Payment.Provider, &o.Payment.ChargeID, &created, &updated, &confirmBy, &o.Phone,
			&o.Payment.CardBrand, &o.Payment.CardLast4, &o.Number, &tickets); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(items, &o.LineItems); err != nil {
			return nil, fmt.Errorf("order %s line items: %w", o.ID, err)
		}
		var ts []jsonTicket
		if err := json.Unmarshal(tickets, &ts); err != nil {
			return nil, fmt.Errorf("order %s tickets: %w", o.ID, err)
		}
		o.Tickets = make([]booking.Ticket, len(ts))
		for i, t := range ts {
			o.Tickets[i] = booking.Ticket{ID: t.ID, OrderID: o.ID, EventID: t.EventID, UserID: t.UserID, SeatNo: t.SeatNo,
				SeatID: strconv.FormatInt(t.SeatNo, 10), Section: t.Section, Row: t.Row, Number: t.Number, Barcode: t.Barcode,
				Status: t.Status, CreatedAt: store.Time(t.CreatedAt)}
			if t.CheckedInAt != nil {
				at := store.Time(*t.CheckedInAt)
				o.Tickets[i].CheckedInAt = &at
			}
		}
		o.CreatedAt, o.UpdatedAt, o.ConfirmBy = store.Time(created), store.Time(updated), store.SplitChannels(confirmBy)
		out = append(out, o)
	}
	return out, rows.Err()
}

// orderByID reads an order with its tickets; lock as in holdByID.
func orderByID(ctx context.Context, q queryer, id, lock string) (booking.Order, error) {
	os, err := queryOrders(ctx, q, `WHERE o.id = $1 `+lock, id)
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
	return orderByID(ctx, s.pool, id, "")
}

// listWhere builds the filter and keyset page of a newest-first listing.
func listWhere(q booking.ListQuery) (string, []any) {
	var a args
	where := []string{"TRUE"}
	if q.UserID != "" {
		where = append(where, "user_id = "+a.add(q.UserID))
	}
	if q.EventID != "" {
		where = append(where, "event_id = "+a.add(q.EventID))
	}
	if q.ValidOnly {
		where = append(where, "status = 'valid'")
	}
	if q.NoFailed {
		where = append(where, "status <> 'payment_failed'")
	}
	if q.BeforeID != "" {
		t := a.add(store.Millis(q.Before))
		where = append(where, `(created_at < `+t+` OR (created_at = `+t+` AND id COLLATE "C" < `+a.add(q.BeforeID)+`))`)
	}
	return "WHERE " + strings.Join(where, " AND ") + ` ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT ` + a.add(q.Limit), a
}

// Orders lists orders newest first.
func (s *Store) Orders(ctx context.Context, q booking.ListQuery) ([]booking.Order, error) {
	where, a := listWhere(q)
	return queryOrders(ctx, s.pool, where, a...)
}

const ticketColumns = `id, order_id, event_id, user_id, seat_no, section_name, row_name, number, barcode, status, checked_in_at, created_at`

func queryTickets(ctx context.Context, q queryer, where string, a ...any) ([]booking.Ticket, error) {
	rows, err := q.Query(ctx, `SELECT `+ticketColumns+` FROM tickets `+where, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []booking.Ticket{}
	for rows.Next() {
		var t booking.Ticket
		var checked *int64
		var created int64
		if err := rows.Scan(&t.ID, &t.OrderID, &t.EventID, &t.UserID, &t.SeatNo, &t.Section, &t.Row, &t.Number, &t.Barcode, &t.Status, &checked, &created); err != nil {
			return nil, err
		}
		t.SeatID = strconv.FormatInt(t.SeatNo, 10)
		if checked != nil {
			at := store.Time(*checked)
			t.CheckedInAt = &at
		}
		t.CreatedAt = store.Time(created)
		out = append(out, t)
	}
	return out, rows.Err()
}

func ticketByID(ctx context.Context, q queryer, id string) (booking.Ticket, error) {
	ts, err := queryTickets(ctx, q, `WHERE id = $1`, id)
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
	return ticketByID(ctx, s.pool, id)
}

// Tickets lists tickets newest first.
func (s *Store) Tickets(ctx context.Context, q booking.ListQuery) ([]booking.Ticket, error) {
	where, a := listWhere(q)
	return queryTickets(ctx, s.pool, where, a...)
}

// OrderFigures sums an event's orders that were ever paid.
func (s *Store) OrderFigures(ctx context.Context, eventID string) (int, int64, int64, error) {
	var n int
	var gross, refunded int64
	err := s.pool.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(total_cents), 0)::BIGINT, COALESCE(SUM(refunded_cents), 0)::BIGINT
		FROM orders WHERE event_id = $1 AND status IN ('paid', 'refunded')`, eventID).Scan(&n, &gross, &refunded)
	return n, gross, refunded, err
}

// CheckinCounts counts the event's valid tickets and the scanned ones
// among them, through the index of valid tickets by event.
func (s *Store) CheckinCounts(ctx context.Context, eventID string) (int, int, error) {
	var in, all int
	err := s.pool.QueryRow(ctx, `SELECT COUNT(checked_in_at), COUNT(*) FROM tickets
		WHERE event_id = $1 AND status = 'valid'`, eventID).Scan(&in, &all)
	return in, all, err
}

// PaidOrderIDs lists an event's paid orders.
func (s *Store) PaidOrderIDs(ctx context.Context, eventID string) ([]string, error) {
	return queryIDs(ctx, s.pool, `SELECT id FROM orders WHERE event_id = $1 AND status = 'paid' ORDER BY created_at`, eventID)
}

// PendingOrders lists orders pending since before `before`.
func (s *Store) PendingOrders(ctx context.Context, before time.Time, limit int) ([]booking.Order, error) {
	return queryOrders(ctx, s.pool, `WHERE o.status = 'pending' AND o.created_at < $1 ORDER BY o.created_at LIMIT $2`, store.Millis(before), limit)
}

func queryIDs(ctx context.Context, q queryer, query string, a ...any) ([]string, error) {
	rows, err := q.Query(ctx, query, a...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// ExpireHolds marks active holds past their time expired and frees their
// seats, oldest first, at most limit holds per call.
//
// Many instances sweep at once. SKIP LOCKED shares the work out instead of
// queueing sweepers behind each other, and the status condition of the
// UPDATE means a hold is expired by exactly one of them; a checkout that
// locked the hold first wins, and the hold is no longer active when the
// sweeper gets to it.
func (s *Store) ExpireHolds(ctx context.Context, now time.Time, limit int) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		ids, err := queryIDs(ctx, tx, `WITH due AS MATERIALIZED (
				SELECT id FROM holds WHERE status = 'active' AND expires_at <= $1
				ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
			UPDATE holds h SET status = 'expired' FROM due
			WHERE h.id = due.id AND h.status = 'active' AND h.expires_at <= $1
			RETURNING h.id`, store.Millis(now), limit)
		if err != nil || len(ids) == 0 {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE seats SET hold_id = NULL, hold_until = NULL WHERE hold_id = ANY($1) AND hold_until <= $2`,
			ids, store.Millis(now)); err != nil {
			return err
		}
		n = len(ids)
		return nil
	})
	return n, err
}
