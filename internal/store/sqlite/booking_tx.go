package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/notify"
	"github.com/boxoffice/boxoffice/internal/store"
)

// bookingTx is booking.Tx on a BEGIN IMMEDIATE transaction. Because SQLite
// has one writer, everything read here stays true until commit; the
// conditional writes are still written as if it did not, so that the SQL
// states the invariant on its own.
type bookingTx struct{ tx *tx }

var _ booking.Tx = (*bookingTx)(nil)

func (t *bookingTx) Event(ctx context.Context, id string) (catalog.Event, error) {
	return eventTerms(ctx, t.tx, id)
}

func (t *bookingTx) Section(ctx context.Context, eventID, name string) (string, bool, error) {
	var id string
	var ga bool
	err := t.tx.QueryRowContext(ctx, `SELECT s.id, s.general_admission FROM sections s JOIN event_prices p ON p.section_id = s.id
		WHERE p.event_id = ? AND s.name = ?`, eventID, name).Scan(&id, &ga)
	return id, ga, notFound(err, "section")
}

// LockUserEvent is a no-op: the single writer already serializes everything.
func (t *bookingTx) LockUserEvent(context.Context, string, string) error { return nil }

// CountUserPlaces names its indexes (migration 00006), which answer both
// counts without a table row: INDEXED BY makes a plan that stops using
// them an error rather than a slow hold.
func (t *bookingTx) CountUserPlaces(ctx context.Context, userID, eventID string, now time.Time) (int, error) {
	var held, owned int
	err := t.tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(quantity), 0) FROM holds INDEXED BY holds_user_event_places
		WHERE user_id = ? AND event_id = ? AND status IN ('active', 'paying') AND (status = 'paying' OR expires_at > ?)`,
		userID, eventID, store.Millis(now)).Scan(&held)
	if err != nil {
		return 0, err
	}
	err = t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets INDEXED BY tickets_user_event_valid
		WHERE user_id = ? AND event_id = ? AND status = 'valid'`,
		userID, eventID).Scan(&owned)
	return held + owned, err
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

func (t *bookingTx) SeatsByNo(ctx context.Context, eventID string, nos []int64) ([]booking.Seat, error) {
	args := []any{eventID}
	for _, n := range nos {
		args = append(args, n)
	}
	rows, err := t.tx.QueryContext(ctx, `SELECT `+claimSeatColumns+` FROM seats s JOIN sections sec ON sec.id = s.section_id
		WHERE s.event_id = ? AND s.seat_no IN (`+placeholders(len(nos))+`) ORDER BY s.seat_no`, args...)
	if err != nil {
		return nil, err
	}
	var out []booking.Seat
	return out, scanSeats(rows, func(st booking.Seat) bool { out = append(out, st); return true })
}

// freeWhere is the WHERE clause of an event's available places matching f.
func freeWhere(eventID string, f booking.FreeFilter, now time.Time) (string, []any) {
	where := []string{"s.event_id = ?", "s.order_id IS NULL", "(s.hold_until IS NULL OR s.hold_until <= ?)"}
	args := []any{eventID, store.Millis(now)}
	if f.SectionID != "" {
		where, args = append(where, "s.section_id = ?"), append(args, f.SectionID)
	}
	if f.Row != "" {
		where, args = append(where, "s.row_name = ?"), append(args, f.Row)
	}
	if f.MaxPriceCents > 0 {
		where, args = append(where, "s.price_cents <= ?"), append(args, f.MaxPriceCents)
	}
	if f.Reserved {
		where = append(where, "s.number IS NOT NULL")
	}
	if f.After != nil {
		where, args = append(where, "(s.score, s.seat_no) > (?, ?)"), append(args, f.After.Score, f.After.No)
	}
	return strings.Join(where, " AND "), args
}

func (t *bookingTx) ScanFree(ctx context.Context, eventID string, f booking.FreeFilter, now time.Time, fn func(booking.Seat) bool) error {
	where, args := freeWhere(eventID, f, now)
	rows, err := t.tx.QueryContext(ctx, `SELECT `+seatColumns+` FROM seats s JOIN sections sec ON sec.id = s.section_id
		WHERE `+where+` ORDER BY s.score, s.seat_no`, args...)
	if err != nil {
		return err
	}
	return scanSeats(rows, fn)
}

// WalkFree reads three integers a place, all from the covering index
// seats_free_walk (no table row, no section): fetching a column is most
// of what a step costs.
func (t *bookingTx) WalkFree(ctx context.Context, eventID string, f booking.FreeFilter, now time.Time, fn func(booking.FreePlace) bool) error {
	where, args := freeWhere(eventID, f, now)
	rows, err := t.tx.QueryContext(ctx, `SELECT s.seat_no, COALESCE(s.number, 0), s.score FROM seats s
		WHERE `+where+` ORDER BY s.score, s.seat_no`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p booking.FreePlace
		if err := rows.Scan(&p.No, &p.Number, &p.Score); err != nil {
			return err
		}
		if !fn(p) {
			break
		}
	}
	return rows.Err()
}

// ClaimSeats is the race-deciding write: it only touches seats that are
// unsold and not under an unexpired hold (claimable, claim.go), and
// reports how many it took.
func (t *bookingTx) ClaimSeats(ctx context.Context, eventID string, nos []int64, holdID string, until, now time.Time) (int, error) {
	args := []any{holdID, store.Millis(until), eventID, store.Millis(now)}
	for _, n := range nos {
		args = append(args, n)
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE seats SET hold_id = ?, hold_until = ?
		WHERE event_id = ? AND `+claimable+` AND seat_no IN (`+placeholders(len(nos))+`)`, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func (t *bookingTx) InsertHold(ctx context.Context, h booking.Hold) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO holds (id, event_id, user_id, status, expires_at, quantity, subtotal_cents, currency, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, h.ID, h.EventID, h.UserID, h.Status, store.Millis(h.ExpiresAt), h.Quantity, h.SubtotalCents,
		h.Currency, store.Millis(h.CreatedAt))
	if err != nil {
		return err
	}
	q := `INSERT INTO hold_seats (hold_id, seat_no, section_name, row_name, number, price_cents) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?),", len(h.Seats)), ",")
	args := make([]any, 0, 6*len(h.Seats))
	for _, s := range h.Seats {
		args = append(args, h.ID, s.No, s.Section, s.Row, s.Number, s.PriceCents)
	}
	_, err = t.tx.ExecContext(ctx, q, args...)
	return err
}

func (t *bookingTx) Hold(ctx context.Context, id string) (booking.Hold, error) {
	return holdByID(ctx, t.tx, id)
}

func (t *bookingTx) SetHoldStatus(ctx context.Context, id string, status booking.HoldStatus, orderID string) error {
	return execOne(ctx, t.tx, `UPDATE holds SET status = ?, order_id = ? WHERE id = ?`, status, store.NullString(orderID), id)
}

func (t *bookingTx) SetHoldUntil(ctx context.Context, holdID string, until time.Time) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE seats SET hold_until = ? WHERE hold_id = ?`, store.Millis(until), holdID)
	return err
}

func (t *bookingTx) ReleaseSeats(ctx context.Context, holdID string) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE seats SET hold_id = NULL, hold_until = NULL WHERE hold_id = ?`, holdID)
	return err
}

func (t *bookingTx) ActiveHoldIDs(ctx context.Context, eventID string) ([]string, error) {
	return queryIDs(ctx, t.tx, `SELECT id FROM holds WHERE event_id = ? AND status IN ('active', 'paying')`, eventID)
}

func (t *bookingTx) InsertOrder(ctx context.Context, o booking.Order) error {
	items, err := json.Marshal(o.LineItems)
	if err != nil {
		return err
	}
	// The number is the largest so far plus one: there is one writer, and
	// the unique index orders_number stands behind it.
	_, err = t.tx.ExecContext(ctx, `INSERT INTO orders (id, event_id, user_id, hold_id, status, currency, delivery, line_items_json,
		subtotal_cents, fees_cents, total_cents, refunded_cents, provider, charge_id, created_at, updated_at, confirm_by, phone,
		card_brand, card_last4, number)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(number), 0) + 1 FROM orders))`,
		o.ID, o.EventID, o.UserID, o.HoldID, o.Status, o.Currency, o.Delivery,
		string(items), o.SubtotalCents, o.FeesCents, o.TotalCents, o.RefundedCents, o.Payment.Provider, store.NullString(o.Payment.ChargeID),
		store.Millis(o.CreatedAt), store.Millis(o.UpdatedAt), store.JoinChannels(o.ConfirmBy), o.Phone, o.Payment.CardBrand, o.Payment.CardLast4)
	if err != nil && strings.Contains(err.Error(), "orders.hold_id") {
		return apperr.E(apperr.HoldNotActive, "this hold already has an order")
	}
	return err
}

func (t *bookingTx) Order(ctx context.Context, id string) (booking.Order, error) {
	return orderByID(ctx, t.tx, id)
}

func (t *bookingTx) UpdateOrder(ctx context.Context, o booking.Order) error {
	return execOne(ctx, t.tx, `UPDATE orders SET status = ?, charge_id = ?, card_brand = ?, card_last4 = ?, refunded_cents = ?, updated_at = ? WHERE id = ?`,
		o.Status, store.NullString(o.Payment.ChargeID), o.Payment.CardBrand, o.Payment.CardLast4, o.RefundedCents, store.Millis(o.UpdatedAt), o.ID)
}

func (t *bookingTx) SellSeats(ctx context.Context, holdID, orderID string) (int, error) {
	res, err := t.tx.ExecContext(ctx, `UPDATE seats SET order_id = ?, hold_id = NULL, hold_until = NULL WHERE hold_id = ? AND order_id IS NULL`, orderID, holdID)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func (t *bookingTx) UnsellSeats(ctx context.Context, orderID string) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE seats SET order_id = NULL WHERE order_id = ?`, orderID)
	return err
}

func (t *bookingTx) InsertTickets(ctx context.Context, ts []booking.Ticket) error {
	for _, tk := range ts {
		_, err := t.tx.ExecContext(ctx, `INSERT INTO tickets (id, order_id, event_id, user_id, seat_no, section_name, row_name, number, barcode, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, tk.ID, tk.OrderID, tk.EventID, tk.UserID, tk.SeatNo, tk.Section, tk.Row, tk.Number,
			tk.Barcode, tk.Status, store.Millis(tk.CreatedAt))
		if err != nil {
			return fmt.Errorf("insert ticket for seat %d: %w", tk.SeatNo, err)
		}
	}
	return nil
}

func (t *bookingTx) VoidTickets(ctx context.Context, orderID string) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE tickets SET status = 'void' WHERE order_id = ?`, orderID)
	return err
}

func (t *bookingTx) Ticket(ctx context.Context, id string) (booking.Ticket, error) {
	return ticketByID(ctx, t.tx, id)
}

func (t *bookingTx) CheckIn(ctx context.Context, ticketID string, at time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `UPDATE tickets SET checked_in_at = ? WHERE id = ? AND status = 'valid' AND checked_in_at IS NULL`,
		store.Millis(at), ticketID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (t *bookingTx) SetEventStatus(ctx context.Context, eventID, status string) error {
	return execOne(ctx, t.tx, `UPDATE events SET status = ? WHERE id = ?`, status, eventID)
}

func (t *bookingTx) Enqueue(ctx context.Context, m notify.Message) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO outbox (id, channel, recipient, kind, ref, subject, body, created_at, next_attempt_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.ID, m.Channel, m.To, m.Kind, m.Ref, m.Subject, m.Body, store.Millis(m.CreatedAt), store.Millis(m.CreatedAt))
	return err
}

func (t *bookingTx) UserEmail(ctx context.Context, userID string) (string, error) {
	var email string
	err := t.tx.QueryRowContext(ctx, `SELECT email FROM users WHERE id = ?`, userID).Scan(&email)
	return email, notFound(err, "user")
}

func execOne(ctx context.Context, tx *tx, q string, args ...any) error {
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("expected to change one row, changed %d", n)
	}
	return nil
}
