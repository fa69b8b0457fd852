package telemetry

import (
	"context"
	"time"

	"github.com/boxoffice/boxoffice/internal/booking"
	"github.com/boxoffice/boxoffice/internal/catalog"
)

// BookingStore times and traces a booking.Store. Its InTx is the hot path
// of an on-sale: one span and one op="booking.tx" observation per
// read-write transaction, with the event id set as soon as the
// transaction reads the event, a hold, an order or a ticket.
func (t *Telemetry) BookingStore(s booking.Store) booking.Store {
	return &bookingStore{Store: s, t: t, tx: t.dbOp("booking.tx"), event: t.dbOp("booking.event"), hold: t.dbOp("booking.hold"),
		order: t.dbOp("booking.order"), orders: t.dbOp("booking.orders"), ticket: t.dbOp("booking.ticket"),
		tickets: t.dbOp("booking.tickets"), seats: t.dbOp("booking.seats"), counts: t.dbOp("booking.seat_counts"),
		taken: t.dbOp("booking.taken_seats"), plan: t.dbOp("booking.plan_seats"),
		figures: t.dbOp("booking.order_figures"), expire: t.dbOp("booking.expire_holds"),
		pending: t.dbOp("booking.pending_orders"), paid: t.dbOp("booking.paid_order_ids"),
		refundAsk: t.dbOp("booking.request_refund"), refundsAsked: t.dbOp("booking.refunds_requested")}
}

type bookingStore struct {
	booking.Store
	t                                                          *Telemetry
	tx, event, hold, order, orders, ticket, tickets            *dbOp
	seats, counts, taken, plan, figures, expire, pending, paid *dbOp
	refundAsk, refundsAsked                                    *dbOp
}

func (s *bookingStore) InTx(ctx context.Context, fn func(booking.Tx) error) error {
	return timed0(s.t, ctx, s.tx, "", func(ctx context.Context) error {
		if !recording(ctx) {
			return s.Store.InTx(ctx, fn)
		}
		return s.Store.InTx(ctx, func(tx booking.Tx) error { return fn(tracedTx{Tx: tx, span: ctx}) })
	})
}

func (s *bookingStore) Event(ctx context.Context, id string) (catalog.Event, error) {
	return timed(s.t, ctx, s.event, id, func(ctx context.Context) (catalog.Event, error) { return s.Store.Event(ctx, id) })
}

func (s *bookingStore) Hold(ctx context.Context, id string) (booking.Hold, error) {
	return timed(s.t, ctx, s.hold, "", func(ctx context.Context) (booking.Hold, error) {
		h, err := s.Store.Hold(ctx, id)
		setEvent(ctx, h.EventID)
		return h, err
	})
}

func (s *bookingStore) Order(ctx context.Context, id string) (booking.Order, error) {
	return timed(s.t, ctx, s.order, "", func(ctx context.Context) (booking.Order, error) {
		o, err := s.Store.Order(ctx, id)
		setEvent(ctx, o.EventID)
		return o, err
	})
}

func (s *bookingStore) Orders(ctx context.Context, q booking.ListQuery) ([]booking.Order, error) {
	return timed(s.t, ctx, s.orders, q.EventID, func(ctx context.Context) ([]booking.Order, error) { return s.Store.Orders(ctx, q) })
}

func (s *bookingStore) Ticket(ctx context.Context, id string) (booking.Ticket, error) {
	return timed(s.t, ctx, s.ticket, "", func(ctx context.Context) (booking.Ticket, error) {
		tk, err := s.Store.Ticket(ctx, id)
		setEvent(ctx, tk.EventID)
		return tk, err
	})
}

func (s *bookingStore) Tickets(ctx context.Context, q booking.ListQuery) ([]booking.Ticket, error) {
	return timed(s.t, ctx, s.tickets, q.EventID, func(ctx context.Context) ([]booking.Ticket, error) { return s.Store.Tickets(ctx, q) })
}

func (s *bookingStore) Seats(ctx context.Context, eventID string) ([]booking.Seat, error) {
	return timed(s.t, ctx, s.seats, eventID, func(ctx context.Context) ([]booking.Seat, error) { return s.Store.Seats(ctx, eventID) })
}

func (s *bookingStore) SeatCounts(ctx context.Context, eventID string, now time.Time) (booking.SeatCounts, error) {
	return timed(s.t, ctx, s.counts, eventID, func(ctx context.Context) (booking.SeatCounts, error) {
		return s.Store.SeatCounts(ctx, eventID, now)
	})
}

func (s *bookingStore) PlanSeats(ctx context.Context, eventID string) ([]booking.Seat, error) {
	return timed(s.t, ctx, s.plan, eventID, func(ctx context.Context) ([]booking.Seat, error) { return s.Store.PlanSeats(ctx, eventID) })
}

func (s *bookingStore) TakenSeats(ctx context.Context, eventID string, now time.Time) ([]booking.TakenSeat, error) {
	return timed(s.t, ctx, s.taken, eventID, func(ctx context.Context) ([]booking.TakenSeat, error) {
		return s.Store.TakenSeats(ctx, eventID, now)
	})
}

func (s *bookingStore) OrderFigures(ctx context.Context, eventID string) (int, int64, int64, error) {
	type figures struct {
		n               int
		gross, refunded int64
	}
	f, err := timed(s.t, ctx, s.figures, eventID, func(ctx context.Context) (figures, error) {
		var f figures
		var err error
		f.n, f.gross, f.refunded, err = s.Store.OrderFigures(ctx, eventID)
		return f, err
	})
	return f.n, f.gross, f.refunded, err
}

func (s *bookingStore) ExpireHolds(ctx context.Context, now time.Time, limit int) (int, error) {
	return timed(s.t, ctx, s.expire, "", func(ctx context.Context) (int, error) { return s.Store.ExpireHolds(ctx, now, limit) })
}

func (s *bookingStore) PendingOrders(ctx context.Context, before time.Time, limit int) ([]booking.Order, error) {
	return timed(s.t, ctx, s.pending, "", func(ctx context.Context) ([]booking.Order, error) {
		return s.Store.PendingOrders(ctx, before, limit)
	})
}

func (s *bookingStore) PaidOrderIDs(ctx context.Context, eventID string) ([]string, error) {
	return timed(s.t, ctx, s.paid, eventID, func(ctx context.Context) ([]string, error) { return s.Store.PaidOrderIDs(ctx, eventID) })
}

func (s *bookingStore) RequestRefund(ctx context.Context, orderID string, at time.Time) error {
	return timed0(s.t, ctx, s.refundAsk, "", func(ctx context.Context) error { return s.Store.RequestRefund(ctx, orderID, at) })
}

func (s *bookingStore) RefundsRequested(ctx context.Context, before time.Time, limit int) ([]string, error) {
	return timed(s.t, ctx, s.refundsAsked, "", func(ctx context.Context) ([]string, error) {
		return s.Store.RefundsRequested(ctx, before, limit)
	})
}

// tracedTx notes on the transaction's span which event it is about. It
// adds no spans of its own: a statement-level span would cost more than
// the statement on SQLite.
type tracedTx struct {
	booking.Tx
	span context.Context // the context holding the transaction's span
}

func (tx tracedTx) Event(ctx context.Context, id string) (catalog.Event, error) {
	setEvent(tx.span, id)
	return tx.Tx.Event(ctx, id)
}

func (tx tracedTx) Hold(ctx context.Context, id string) (booking.Hold, error) {
	h, err := tx.Tx.Hold(ctx, id)
	setEvent(tx.span, h.EventID)
	return h, err
}

func (tx tracedTx) Order(ctx context.Context, id string) (booking.Order, error) {
	o, err := tx.Tx.Order(ctx, id)
	setEvent(tx.span, o.EventID)
	return o, err
}

func (tx tracedTx) Ticket(ctx context.Context, id string) (booking.Ticket, error) {
	tk, err := tx.Tx.Ticket(ctx, id)
	setEvent(tx.span, tk.EventID)
	return tk, err
}
