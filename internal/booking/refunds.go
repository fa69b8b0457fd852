package booking

import (
	"context"
	"fmt"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/failpoint"
	"github.com/boxoffice/boxoffice/internal/notify"
	"github.com/boxoffice/boxoffice/internal/payment"
)

// Refund gives an order's money back, voids its tickets and puts its seats
// on sale again. The provider refund is idempotent by order id, so a retry
// after a failure part-way never refunds twice. Once asked for, a refund
// is carried out: if the provider cannot be reached, or the process dies
// before the refund is recorded, the reconcile job finishes it after its
// grace (ReconcilePending).
func (s *Service) Refund(ctx context.Context, by account.User, orderID string) (Order, error) {
	if !by.IsAdmin() {
		return Order{}, apperr.E(apperr.Forbidden, "only an admin can refund orders")
	}
	return s.refund(ctx, orderID, "requested by organizer")
}

// reasonEventCancelled is the refund reason of an event's cancellation; its
// buyers are told the event is off rather than that they were refunded.
const reasonEventCancelled = "event cancelled"

func (s *Service) refund(ctx context.Context, orderID, reason string) (Order, error) {
	o, err := s.store.Order(ctx, orderID)
	if err != nil {
		return Order{}, err
	}
	switch o.Status {
	case OrderRefunded:
		return o, nil
	case OrderPaid:
	default:
		return Order{}, apperr.E(apperr.Conflict, "only a paid order can be refunded; this one is %s", o.Status)
	}
	// Asked for before the provider is called: if the process dies after
	// the provider refunded and before the refund is recorded below, the
	// reconcile job finds the request and finishes it (ReconcilePending).
	if err := s.store.RequestRefund(ctx, o.ID, s.clock.Now()); err != nil {
		return Order{}, fmt.Errorf("refund order %s: %w", o.ID, err)
	}
	if _, err := s.payments.Refund(ctx, payment.RefundRequest{ChargeID: o.Payment.ChargeID, IdempotencyKey: "refund_" + o.ID, Reason: reason}); err != nil {
		return Order{}, fmt.Errorf("refund order %s: %w", o.ID, err)
	}
	s.fail.Hit(failpoint.RefundAfterProvider)
	ctx = context.WithoutCancel(ctx) // the money went back: record it
	now := s.clock.Now()
	err = s.store.InTx(ctx, func(tx Tx) error {
		cur, err := tx.Order(ctx, orderID)
		if err != nil {
			return err
		}
		if cur.Status != OrderPaid {
			return nil
		}
		if err := tx.VoidTickets(ctx, orderID); err != nil {
			return err
		}
		if err := tx.UnsellSeats(ctx, orderID); err != nil {
			return err
		}
		cur.Status, cur.RefundedCents, cur.UpdatedAt = OrderRefunded, cur.TotalCents, now
		if err := tx.UpdateOrder(ctx, cur); err != nil {
			return err
		}
		kind := notify.KindOrderRefunded
		if reason == reasonEventCancelled {
			kind = notify.KindEventCancelled
		}
		return s.enqueueNotice(ctx, tx, cur, kind, "")
	})
	if err != nil {
		return Order{}, fmt.Errorf("record refund of %s: %w", orderID, err)
	}
	s.fail.Hit(failpoint.RefundAfterCommit)
	s.metrics.Refunded(o.EventID)
	return s.store.Order(ctx, orderID)
}

// reconcileRefunds finishes the refunds asked for before grace ago that
// are not recorded: the provider is asked again (it refunds once per
// order, so a refund it already made is only returned) and the refund is
// recorded. A refund the provider still refuses is logged and tried again
// at the next run.
func (s *Service) reconcileRefunds(ctx context.Context, grace time.Duration) (int, error) {
	ids, err := s.store.RefundsRequested(ctx, s.clock.Now().Add(-grace), 100)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, id := range ids {
		reason := "requested by organizer"
		o, err := s.store.Order(ctx, id)
		if err == nil {
			var e catalog.Event
			if e, err = s.store.Event(ctx, o.EventID); err == nil && e.Status == catalog.StatusCancelled {
				reason = reasonEventCancelled
			}
		}
		if err == nil {
			_, err = s.refund(ctx, id, reason)
		}
		if err != nil {
			s.log.Error("reconcile refund", "order_id", id, "err", err)
			continue
		}
		done++
	}
	return done, nil
}

// CancelEvent stops sales, releases every hold and refunds every paid order.
// It can be run again to finish a cancellation that failed part-way.
func (s *Service) CancelEvent(ctx context.Context, by account.User, eventID string) (catalog.Event, error) {
	if !by.IsAdmin() {
		return catalog.Event{}, apperr.E(apperr.Forbidden, "only an admin can cancel events")
	}
	err := s.store.InTx(ctx, func(tx Tx) error {
		if _, err := tx.Event(ctx, eventID); err != nil {
			return err
		}
		if err := tx.SetEventStatus(ctx, eventID, catalog.StatusCancelled); err != nil {
			return err
		}
		holds, err := tx.ActiveHoldIDs(ctx, eventID)
		if err != nil {
			return err
		}
		for _, id := range holds {
			h, err := tx.Hold(ctx, id)
			if err != nil {
				return err
			}
			if h.Status == HoldPaying {
				continue // its checkout sees the cancellation and refunds
			}
			if err := tx.ReleaseSeats(ctx, id); err != nil {
				return err
			}
			if err := tx.SetHoldStatus(ctx, id, HoldReleased, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return catalog.Event{}, fmt.Errorf("cancel event: %w", err)
	}
	paid, err := s.store.PaidOrderIDs(ctx, eventID)
	if err != nil {
		return catalog.Event{}, err
	}
	for _, id := range paid {
		if _, err := s.refund(ctx, id, reasonEventCancelled); err != nil {
			return catalog.Event{}, fmt.Errorf("cancel event: %w", err)
		}
	}
	return s.store.Event(ctx, eventID)
}

// Sales returns an event's figures. The seat counts come from one snapshot,
// so available + held + sold == capacity.
func (s *Service) Sales(ctx context.Context, by account.User, eventID string) (Sales, error) {
	if !by.IsAdmin() {
		return Sales{}, apperr.E(apperr.Forbidden, "only an admin can see sales")
	}
	e, err := s.store.Event(ctx, eventID)
	if err != nil {
		return Sales{}, err
	}
	c, err := s.store.SeatCounts(ctx, eventID, s.clock.Now())
	if err != nil {
		return Sales{}, err
	}
	n, gross, refunded, err := s.store.OrderFigures(ctx, eventID)
	if err != nil {
		return Sales{}, err
	}
	b, err := s.store.SalesBreakdown(ctx, eventID)
	if err != nil {
		return Sales{}, err
	}
	return Sales{EventID: eventID, SeatCounts: c, Orders: n, GrossCents: gross, RefundedCents: refunded, NetCents: gross - refunded,
		FeesCents: b.Gross.ServiceFeesCents + b.Gross.OrderFeesCents, AddOnsCents: b.Gross.AddOnsCents, Currency: e.Currency, SalesBreakdown: b}, nil
}

// ExpireHolds tidies holds whose time is up; readers ignore them already.
func (s *Service) ExpireHolds(ctx context.Context) (int, error) {
	n, err := s.store.ExpireHolds(ctx, s.clock.Now(), 1000)
	if n > 0 {
		s.metrics.HoldsExpired(n)
	}
	return n, err
}
