package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/notify"
	"github.com/boxoffice/boxoffice/internal/store"
)

// bookingTx is booking.Tx on a READ COMMITTED transaction. Unlike SQLite's
// single writer, other transactions commit while this one runs, so every
// read that a write here depends on either locks its rows (holds, orders,
// chosen seats) or is re-checked by the write's own WHERE clause (the
// conditional UPDATEs, whose row counts decide races).
type bookingTx struct {
	tx pgx.Tx
	// final is set on the transaction's last attempt (see Store.attempts).
	final bool
	// walked holds the places this transaction's walks showed. The walks locked
	// them FOR UPDATE, so no one else changes them until commit, and
	// SeatsByNo answers from them instead of asking again. (A place this
	// transaction claimed since still reads as free here; the claim's own
	// conditional UPDATE is what decides.)
	walked      map[int64]booking.Seat
	walkedEvent string
}

// errSkippedLocked ends an attempt whose ScanFree found too little while
// passing over places that other transactions had locked: once those
// commit, the places may be free again, so the transaction is run again
// (after a short backoff) before anyone is told the seats are gone.
// It is booking's ErrLockedCandidates, so that a batch of holds can try
// such a buyer again in its next batch instead of rolling back the rest.
var errSkippedLocked = booking.ErrLockedCandidates

var _ booking.Tx = (*bookingTx)(nil)

func (t *bookingTx) Event(ctx context.Context, id string) (catalog.Event, error) {
	return eventTerms(ctx, t.tx, id)
}

func (t *bookingTx) Section(ctx context.Context, eventID, name string) (string, bool, error) {
	var id string
	var ga bool
	err := t.tx.QueryRow(ctx, `SELECT s.id, s.general_admission FROM sections s JOIN event_prices p ON p.section_id = s.id
		WHERE p.event_id = $1 AND s.name = $2`, eventID, name).Scan(&id, &ga)
	return id, ga, notFound(err, "section")
}

// LockUserEvent takes a transaction-scoped advisory lock on (user, event):
// one buyer's holds for one event run one at a time, on every instance,
// so two parallel requests cannot each see room under the ticket limit.
func (t *bookingTx) LockUserEvent(ctx context.Context, userID, eventID string) error {
	_, err := t.tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1::text || '/' || $2::text, 0))`, userID, eventID)
	return err
}

// CountUserPlaces is written so that the (user_id, event_id, status)
// index answers it: with the status test inside an OR, the planner prefers
// the (status, expires_at) index and reads every live hold of every buyer.
func (t *bookingTx) CountUserPlaces(ctx context.Context, userID, eventID string, now time.Time) (int, error) {
	var n int
	err := t.tx.QueryRow(ctx, `SELECT
		(SELECT COALESCE(SUM(quantity), 0) FROM holds
			WHERE user_id = $1 AND event_id = $2 AND status IN ('active', 'paying') AND (status = 'paying' OR expires_at > $3))
		+ (SELECT COUNT(*) FROM tickets WHERE user_id = $1 AND event_id = $2 AND status = 'valid')`,
		userID, eventID, store.Millis(now)).Scan(&n)
	return n, err
}

// SeatsByNo reads exact seats and locks them, in seat_no order so that two
// buyers asking for overlapping seats queue instead of deadlocking.
func (t *bookingTx) SeatsByNo(ctx context.Context, eventID string, nos []int64) ([]booking.Seat, error) {
	if out, ok := t.fromWalk(eventID, nos); ok {
		return out, nil
	}
	rows, err := t.tx.Query(ctx, `SELECT `+seatColumns+` FROM seats s JOIN sections sec ON sec.id = s.section_id
		WHERE s.event_id = $1 AND s.seat_no = ANY($2) ORDER BY s.seat_no FOR UPDATE OF s`, eventID, nos)
	if err != nil {
		return nil, err
	}
	var out []booking.Seat
	_, err = scanSeats(rows, func(st booking.Seat) bool { out = append(out, st); return true })
	return out, err
}

// WalkFree is ScanFree: the walk must lock its candidates the same way
// (SKIP LOCKED, in pages), and a PostgreSQL row costs the same to send
// whole. The extra columns are dropped here.
func (t *bookingTx) WalkFree(ctx context.Context, eventID string, f booking.FreeFilter, now time.Time, fn func(booking.FreePlace) bool) error {
	if t.walked == nil || t.walkedEvent != eventID {
		t.walked, t.walkedEvent = map[int64]booking.Seat{}, eventID
	}
	return t.ScanFree(ctx, eventID, f, now, func(st booking.Seat) bool {
		t.walked[st.No] = st
		return fn(booking.FreePlace{No: st.No, Number: st.Number, Score: st.Score})
	})
}

// fromWalk returns the places nos of eventID, in seat order, if the last
// walk showed (and so locked) every one of them.
func (t *bookingTx) fromWalk(eventID string, nos []int64) ([]booking.Seat, bool) {
	out := make([]booking.Seat, 0, len(nos))
	for _, no := range nos {
		st, ok := t.walked[no]
		if !ok || t.walkedEvent != eventID {
			return nil, false
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b booking.Seat) int { return cmp.Compare(a.No, b.No) })
	return out, true
}

// maxScanPage caps how many candidate seats ScanFree locks per query.
const maxScanPage = 256

// ScanFree walks available places in (score, seat_no) order and locks each
// one it returns with FOR UPDATE SKIP LOCKED: places that a concurrent
// buyer is deciding on are skipped rather than waited for, which is what
// best-available and general admission want. The conditional ClaimSeats
// still has the last word.
//
// PostgreSQL locks every row a query returns, even rows the caller never
// reads, so the walk goes in pages of 1, 1, 2, 4, 8, … rows (each page as
// large as all before it): one or two places lock exactly those, N places
// fewer than 2N, and a best-available search on a fresh map stops after a
// few rows. Rows locked but not used are free again at commit.
//
// Skipping has one cost: near a sell-out, a walk can run out of places
// only because others held them locked for a moment (and some of those
// will not be used). When the walk ends without fn being satisfied and
// more places match than fn was shown, ScanFree returns errSkippedLocked
// and the transaction runs again, except on its last attempt.
func (t *bookingTx) ScanFree(ctx context.Context, eventID string, f booking.FreeFilter, now time.Time, fn func(booking.Seat) bool) error {
	var a args
	where := []string{"s.event_id = " + a.add(eventID), "s.order_id IS NULL", "(s.hold_until IS NULL OR s.hold_until <= " + a.add(store.Millis(now)) + ")"}
	if f.SectionID != "" {
		where = append(where, "s.section_id = "+a.add(f.SectionID))
	}
	if f.Row != "" {
		where = append(where, "s.row_name = "+a.add(f.Row))
	}
	if f.MaxPriceCents > 0 {
		where = append(where, "s.price_cents <= "+a.add(f.MaxPriceCents))
	}
	if f.Reserved {
		where = append(where, "s.number IS NOT NULL")
	}
	if f.After != nil {
		where = append(where, "(s.score, s.seat_no) > ("+a.add(f.After.Score)+", "+a.add(f.After.No)+")")
	}
	cond := strings.Join(where, " AND ")
	var last booking.Seat
	shown := 0
	for page := 1; ; page = min(shown, maxScanPage) {
		pa := append(args(nil), a...)
		q := `SELECT ` + seatColumns + ` FROM seats s JOIN sections sec ON sec.id = s.section_id WHERE ` + cond
		if shown > 0 {
			q += ` AND (s.score, s.seat_no) > (` + pa.add(last.Score) + `, ` + pa.add(last.No) + `)`
		}
		// The page size is written into the statement rather than passed as
		// a parameter: with LIMIT $n the planner cannot cost a generic plan
		// and plans every execution again (1–2 ms each, measured); the few
		// page sizes make a handful of prepared statements.
		q += ` ORDER BY s.score, s.seat_no LIMIT ` + strconv.Itoa(page) + ` FOR UPDATE OF s SKIP LOCKED`
		rows, err := t.tx.Query(ctx, q, pa...)
		if err != nil {
			return err
		}
		n := 0
		stopped, err := scanSeats(rows, func(st booking.Seat) bool { n++; last = st; return fn(st) })
		shown += n
		if err != nil || stopped {
			return err
		}
		if n < page {
			break
		}
	}
	if t.final {
		return nil
	}
	// Did the walk pass over locked places? Count (without locking) up to
	// one more than were shown.
	var matching int
	pa := append(args(nil), a...)
	err := t.tx.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM seats s WHERE `+cond+` LIMIT `+pa.add(shown+1)+`) m`, pa...).Scan(&matching)
	if err != nil {
		return err
	}
	if matching > shown {
		return errSkippedLocked
	}
	return nil
}

// ClaimSeats is the race-deciding write: it only touches seats that are
// unsold and not under an unexpired hold, and reports how many it took.
func (t *bookingTx) ClaimSeats(ctx context.Context, eventID string, nos []int64, holdID string, until, now time.Time) (int, error) {
	tag, err := t.tx.Exec(ctx, `UPDATE seats SET hold_id = $1, hold_until = $2
		WHERE event_id = $3 AND seat_no = ANY($4) AND order_id IS NULL AND (hold_until IS NULL OR hold_until <= $5)`,
		holdID, store.Millis(until), eventID, nos, store.Millis(now))
	return int(tag.RowsAffected()), err
}

// InsertHold inserts the hold and its seats in one statement.
func (t *bookingTx) InsertHold(ctx context.Context, h booking.Hold) error {
	n := len(h.Seats)
	nos, sections, rows, numbers, prices := make([]int64, n), make([]string, n), make([]*string, n), make([]*int, n), make([]int64, n)
	for i, s := range h.Seats {
		nos[i], sections[i], rows[i], numbers[i], prices[i] = s.No, s.Section, s.Row, s.Number, s.PriceCents
	}
	_, err := t.tx.Exec(ctx, `WITH h AS (
			INSERT INTO holds (id, event_id, user_id, status, expires_at, quantity, subtotal_cents, currency, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id)
		INSERT INTO hold_seats (hold_id, seat_no, section_name, row_name, number, price_cents)
		SELECT h.id, s.* FROM h, unnest($10::BIGINT[], $11::TEXT[], $12::TEXT[], $13::INTEGER[], $14::BIGINT[]) AS s`,
		h.ID, h.EventID, h.UserID, h.Status, store.Millis(h.ExpiresAt), h.Quantity, h.SubtotalCents, h.Currency, store.Millis(h.CreatedAt),
		nos, sections, rows, numbers, prices)
	return err
}

// Hold reads a hold and locks it until commit: whoever changes a hold's
// status (checkout, release, the sweeper on another instance) decides on
// what it read.
func (t *bookingTx) Hold(ctx context.Context, id string) (booking.Hold, error) {
	return holdByID(ctx, t.tx, id, "FOR UPDATE")
}

func (t *bookingTx) SetHoldStatus(ctx context.Context, id string, status booking.HoldStatus, orderID string) error {
	return execOne(ctx, t.tx, `UPDATE holds SET status = $1, order_id = $2 WHERE id = $3`, status, store.NullString(orderID), id)
}

func (t *bookingTx) SetHoldUntil(ctx context.Context, holdID string, until time.Time) error {
	_, err := t.tx.Exec(ctx, `UPDATE seats SET hold_until = $1 WHERE hold_id = $2`, store.Millis(until), holdID)
	return err
}

func (t *bookingTx) ReleaseSeats(ctx context.Context, holdID string) error {
	_, err := t.tx.Exec(ctx, `UPDATE seats SET hold_id = NULL, hold_until = NULL WHERE hold_id = $1`, holdID)
	return err
}

func (t *bookingTx) ActiveHoldIDs(ctx context.Context, eventID string) ([]string, error) {
	return queryIDs(ctx, t.tx, `SELECT id FROM holds WHERE event_id = $1 AND status IN ('active', 'paying')`, eventID)
}

func (t *bookingTx) InsertOrder(ctx context.Context, o booking.Order) error {
	items, err := json.Marshal(o.LineItems)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, `INSERT INTO orders (id, event_id, user_id, hold_id, status, currency, delivery, line_items_json,
		subtotal_cents, fees_cents, total_cents, refunded_cents, provider, charge_id, created_at, updated_at, confirm_by, phone,
		card_brand, card_last4)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`, o.ID, o.EventID, o.UserID, o.HoldID, o.Status, o.Currency, o.Delivery,
		items, o.SubtotalCents, o.FeesCents, o.TotalCents, o.RefundedCents, o.Payment.Provider, store.NullString(o.Payment.ChargeID),
		store.Millis(o.CreatedAt), store.Millis(o.UpdatedAt), store.JoinChannels(o.ConfirmBy), o.Phone, o.Payment.CardBrand, o.Payment.CardLast4)
	if violates(err, "orders_one_per_hold") {
		return apperr.E(apperr.HoldNotActive, "this hold already has an order")
	}
	return err
}

// Order reads an order and locks it until commit, so that checkout and
// the reconcile job on another instance never both settle it.
func (t *bookingTx) Order(ctx context.Context, id string) (booking.Order, error) {
	return orderByID(ctx, t.tx, id, "FOR UPDATE")
}

func (t *bookingTx) UpdateOrder(ctx context.Context, o booking.Order) error {
	return execOne(ctx, t.tx, `UPDATE orders SET status = $1, charge_id = $2, card_brand = $3, card_last4 = $4, refunded_cents = $5, updated_at = $6 WHERE id = $7`,
		o.Status, store.NullString(o.Payment.ChargeID), o.Payment.CardBrand, o.Payment.CardLast4, o.RefundedCents, store.Millis(o.UpdatedAt), o.ID)
}

func (t *bookingTx) SellSeats(ctx context.Context, holdID, orderID string) (int, error) {
	tag, err := t.tx.Exec(ctx, `UPDATE seats SET order_id = $1, hold_id = NULL, hold_until = NULL WHERE hold_id = $2 AND order_id IS NULL`, orderID, holdID)
	return int(tag.RowsAffected()), err
}

func (t *bookingTx) UnsellSeats(ctx context.Context, orderID string) error {
	_, err := t.tx.Exec(ctx, `UPDATE seats SET order_id = NULL WHERE order_id = $1`, orderID)
	return err
}

// InsertTickets inserts every ticket in one statement. The unique index on
// valid tickets per seat refuses a second valid ticket for a seat.
func (t *bookingTx) InsertTickets(ctx context.Context, ts []booking.Ticket) error {
	if len(ts) == 0 {
		return nil
	}
	n := len(ts)
	tids, orders, events, users, seatNos, sections := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]int64, n), make([]string, n)
	rows, numbers, barcodes, statuses, created := make([]*string, n), make([]*int, n), make([]string, n), make([]string, n), make([]int64, n)
	for i, tk := range ts {
		tids[i], orders[i], events[i], users[i], seatNos[i], sections[i] = tk.ID, tk.OrderID, tk.EventID, tk.UserID, tk.SeatNo, tk.Section
		rows[i], numbers[i], barcodes[i], statuses[i], created[i] = tk.Row, tk.Number, tk.Barcode, string(tk.Status), store.Millis(tk.CreatedAt)
	}
	_, err := t.tx.Exec(ctx, `INSERT INTO tickets (id, order_id, event_id, user_id, seat_no, section_name, row_name, number, barcode, status, created_at)
		SELECT * FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::BIGINT[], $6::TEXT[], $7::TEXT[], $8::INTEGER[], $9::TEXT[], $10::TEXT[], $11::BIGINT[])`,
		tids, orders, events, users, seatNos, sections, rows, numbers, barcodes, statuses, created)
	if err != nil {
		return fmt.Errorf("insert %d tickets: %w", n, err)
	}
	return nil
}

func (t *bookingTx) VoidTickets(ctx context.Context, orderID string) error {
	_, err := t.tx.Exec(ctx, `UPDATE tickets SET status = 'void' WHERE order_id = $1`, orderID)
	return err
}

func (t *bookingTx) Ticket(ctx context.Context, id string) (booking.Ticket, error) {
	return ticketByID(ctx, t.tx, id)
}

func (t *bookingTx) CheckIn(ctx context.Context, ticketID string, at time.Time) (bool, error) {
	tag, err := t.tx.Exec(ctx, `UPDATE tickets SET checked_in_at = $1 WHERE id = $2 AND status = 'valid' AND checked_in_at IS NULL`,
		store.Millis(at), ticketID)
	return tag.RowsAffected() == 1, err
}

func (t *bookingTx) SetEventStatus(ctx context.Context, eventID, status string) error {
	return execOne(ctx, t.tx, `UPDATE events SET status = $1 WHERE id = $2`, status, eventID)
}

func (t *bookingTx) Enqueue(ctx context.Context, m notify.Message) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO outbox (id, channel, recipient, kind, ref, subject, body, created_at, next_attempt_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, m.ID, m.Channel, m.To, m.Kind, m.Ref, m.Subject, m.Body, store.Millis(m.CreatedAt))
	return err
}

func (t *bookingTx) UserEmail(ctx context.Context, userID string) (string, error) {
	var email string
	err := t.tx.QueryRow(ctx, `SELECT email FROM users WHERE id = $1`, userID).Scan(&email)
	return email, notFound(err, "user")
}

func execOne(ctx context.Context, tx pgx.Tx, q string, a ...any) error {
	tag, err := tx.Exec(ctx, q, a...)
	if err != nil {
		return err
	}
	if n := tag.RowsAffected(); n != 1 {
		return fmt.Errorf("expected to change one row, changed %d", n)
	}
	return nil
}
