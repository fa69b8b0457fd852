package booking

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/failpoint"
	"github.com/boxoffice/boxoffice/internal/ids"
	"github.com/boxoffice/boxoffice/internal/notify"
	"github.com/boxoffice/boxoffice/internal/payment"
)

// OrderRequest is the body of POST /orders.
type OrderRequest struct {
	HoldID       string        `json:"hold_id"`
	PaymentToken string        `json:"payment_token"`
	Delivery     string        `json:"delivery"`
	AddOns       []AddOnChoice `json:"add_ons"`
	// ConfirmBy chooses how the confirmation comes: "email" (the default),
	// "sms" or both. Phone is the number for SMS, E.164; the buyer's own
	// number when "".
	ConfirmBy []string `json:"confirm_by"`
	Phone     string   `json:"phone"`
}

// AddOnChoice asks for some of an event's add-on.
type AddOnChoice struct {
	AddOnID  string `json:"add_on_id"`
	Quantity int    `json:"quantity"`
}

// Deliveries a buyer can choose.
var Deliveries = []string{"mobile", "email"}

func (r *OrderRequest) validate(buyerPhone string) error {
	var f apperr.Fields
	if strings.TrimSpace(r.HoldID) == "" {
		f.Add("hold_id", "is required")
	}
	if strings.TrimSpace(r.PaymentToken) == "" || len(r.PaymentToken) > 200 {
		f.Add("payment_token", "is required")
	}
	if r.Delivery == "" {
		r.Delivery = "mobile"
	}
	if r.Delivery != "mobile" && r.Delivery != "email" {
		f.Add("delivery", "must be mobile or email")
	}
	if len(r.AddOns) > 20 {
		f.Add("add_ons", "at most 20 add-ons")
	}
	if len(r.ConfirmBy) == 0 {
		r.ConfirmBy = []string{notify.ChannelEmail}
	}
	seen := map[string]bool{}
	for i, ch := range r.ConfirmBy {
		switch {
		case ch != notify.ChannelEmail && ch != notify.ChannelSMS:
			f.Add(fmt.Sprintf("confirm_by[%d]", i), "must be email or sms")
		case seen[ch]:
			f.Add(fmt.Sprintf("confirm_by[%d]", i), "is listed twice")
		}
		seen[ch] = true
	}
	if r.Phone == "" {
		r.Phone = buyerPhone
	}
	switch {
	case r.Phone != "" && !notify.ValidPhone(r.Phone):
		f.Add("phone", "must be a phone number in international (E.164) form, such as +14155550100")
	case seen[notify.ChannelSMS] && r.Phone == "":
		f.Add("phone", "is required for an SMS confirmation (or add one to your profile)")
	}
	if !seen[notify.ChannelSMS] {
		r.Phone = ""
	}
	return f.Err()
}

// Price computes an order's line items and totals: tickets by section and
// price, add-ons, then the per-ticket service fee and the once-per-order fee.
func Price(e catalog.Event, seats []HeldSeat, choices []AddOnChoice) ([]LineItem, int64, int64, error) {
	var items []LineItem
	var subtotal, fees int64
	type group struct {
		section string
		price   int64
	}
	counts := map[group]int{}
	var order []group
	for _, st := range seats {
		g := group{st.Section, st.PriceCents}
		if counts[g] == 0 {
			order = append(order, g)
		}
		counts[g]++
	}
	for _, g := range order {
		n := counts[g]
		items = append(items, LineItem{Kind: KindTicket, Description: "Ticket, section " + g.section, Quantity: n, UnitCents: g.price, TotalCents: int64(n) * g.price})
		subtotal += int64(n) * g.price
	}
	var f apperr.Fields
	seen := map[string]bool{}
	for i, c := range choices {
		field := fmt.Sprintf("add_ons[%d]", i)
		var a *catalog.AddOn
		for j := range e.AddOns {
			if e.AddOns[j].ID == c.AddOnID {
				a = &e.AddOns[j]
			}
		}
		switch {
		case a == nil:
			f.Add(field+".add_on_id", "this event has no such add-on")
		case seen[c.AddOnID]:
			f.Add(field+".add_on_id", "is listed twice")
		case c.Quantity < 1 || c.Quantity > a.MaxPerOrder:
			f.Add(field+".quantity", "must be between 1 and %d", a.MaxPerOrder)
		default:
			t := int64(c.Quantity) * a.PriceCents
			items = append(items, LineItem{Kind: KindAddOn, Description: a.Name, AddOnID: a.ID, Quantity: c.Quantity, UnitCents: a.PriceCents, TotalCents: t})
			subtotal += t
		}
		seen[c.AddOnID] = true
	}
	if err := f.Err(); err != nil {
		return nil, 0, 0, err
	}
	if n := len(seats); n > 0 && e.ServiceFeeCents > 0 {
		t := int64(n) * e.ServiceFeeCents
		items = append(items, LineItem{Kind: KindServiceFee, Description: "Service fee", Quantity: n, UnitCents: e.ServiceFeeCents, TotalCents: t})
		fees += t
	}
	if e.OrderFeeCents > 0 {
		items = append(items, LineItem{Kind: KindOrderFee, Description: "Order processing fee", Quantity: 1, UnitCents: e.OrderFeeCents, TotalCents: e.OrderFeeCents})
		fees += e.OrderFeeCents
	}
	return items, subtotal, fees, nil
}

// PlaceOrder checks a hold out: it prices the order, keeps the hold from
// expiring while the card is charged, charges once with the order id as
// the provider's idempotency key, and turns the hold into tickets.
//
// A decline or an outage gives the hold back to the buyer to retry. If the
// provider's answer is lost, the provider is asked what happened; if that
// fails too the order stays pending and the reconcile job settles it, so a
// successful charge always ends as a paid order (invariant 4).
func (s *Service) PlaceOrder(ctx context.Context, by account.User, r OrderRequest) (Order, error) {
	if err := r.validate(by.Phone); err != nil {
		return Order{}, err
	}
	// The hold names the event, whose batch the order joins; reading it
	// first also turns away someone else's or a missing hold before it
	// takes a place in a batch. The transaction reads it again, locked.
	pre, err := s.store.Hold(ctx, r.HoldID)
	if apperr.Is(err, apperr.NotFound) || (err == nil && pre.UserID != by.ID) {
		return Order{}, noSuchHold()
	}
	if err != nil {
		return Order{}, fmt.Errorf("start order: %w", err)
	}
	now := s.clock.Now()
	var o Order
	var hold Hold
	err = s.commits.do(ctx, pre.EventID, by.ID, func(tx Tx, b *batch) error {
		h, err := tx.Hold(ctx, r.HoldID)
		if apperr.Is(err, apperr.NotFound) || (err == nil && h.UserID != by.ID) {
			return noSuchHold()
		}
		if err != nil {
			return err
		}
		if h.Status != HoldActive || h.StatusAt(now) != HoldActive {
			return holdNotActive(h, now)
		}
		e, err := b.event(ctx, tx, h.EventID)
		if err != nil {
			return err
		}
		if e.Status != catalog.StatusPublished || !now.Before(e.StartsAt) {
			return notOnSale(e, now)
		}
		items, sub, fees, err := Price(e, h.Seats, r.AddOns)
		if err != nil {
			return err
		}
		o = Order{ID: ids.New("ord"), Status: OrderPending, EventID: e.ID, HoldID: h.ID, UserID: by.ID, Currency: e.Currency,
			Delivery: r.Delivery, ConfirmBy: r.ConfirmBy, Phone: r.Phone, LineItems: items, SubtotalCents: sub, FeesCents: fees, TotalCents: sub + fees,
			Payment: Payment{Provider: s.payments.Name()}, Tickets: []Ticket{}, CreatedAt: now, UpdatedAt: now}
		if err := tx.InsertOrder(ctx, o); err != nil {
			return err
		}
		if err := tx.SetHoldStatus(ctx, h.ID, HoldPaying, o.ID); err != nil {
			return err
		}
		hold = h
		return tx.SetHoldUntil(ctx, h.ID, payingUntil)
	})
	if err != nil {
		return Order{}, fmt.Errorf("start order: %w", err)
	}

	s.fail.Hit(failpoint.CheckoutBeforeCharge)
	charge, err := s.payments.Charge(ctx, payment.ChargeRequest{IdempotencyKey: o.ID, AmountCents: o.TotalCents,
		Currency: o.Currency, Token: r.PaymentToken, Description: "Boxoffice order " + o.ID,
		Metadata: map[string]string{"event_id": o.EventID, "hold_id": o.HoldID}})
	if err != nil && !apperr.Is(err, apperr.PaymentDeclined) && !apperr.Is(err, apperr.Invalid) {
		// Only a decline or a rejected request surely charged nothing. After
		// an outage, a timeout or a broken connection (a plain error) the
		// charge may or may not have happened: ask.
		charge, err = s.lookupCharge(context.WithoutCancel(ctx), o.ID)
	}
	// From here on the outcome must be recorded even if the client left.
	ctx = context.WithoutCancel(ctx)
	if err != nil {
		if errors.Is(err, errOutcomeUnknown) {
			s.log.Error("payment outcome unknown; order left pending for reconciliation", "order_id", o.ID, "err", err)
			return Order{}, apperr.Wrap(apperr.Unavailable, err, "the payment provider did not answer; your order %s will be settled shortly", o.ID)
		}
		if ferr := s.failOrder(ctx, o.ID, hold); ferr != nil {
			return Order{}, fmt.Errorf("record failed payment: %w (payment: %v)", ferr, err)
		}
		return Order{}, fmt.Errorf("charge: %w", err)
	}
	s.fail.Hit(failpoint.CheckoutAfterCharge)
	paid, err := s.completeOrder(ctx, o.EventID, o.ID, by.Email, charge)
	if err != nil {
		return Order{}, fmt.Errorf("complete order %s: %w", o.ID, err)
	}
	s.fail.Hit(failpoint.CheckoutAfterCommit)
	return paid, nil
}

var errOutcomeUnknown = errors.New("payment outcome unknown")

// holdNotActive refuses a checkout of hold h. When the hold is being paid
// for or was paid (only its owner gets this far), the answer names the
// order, so that a checkout retried after its answer was lost (a 503 with
// the charge already made, say) leads the buyer to the order they paid for.
func holdNotActive(h Hold, now time.Time) error {
	switch h.Status {
	case HoldPaying:
		return &apperr.Error{Code: apperr.HoldNotActive, Message: "this hold is being paid for by order " + h.OrderID, OrderID: h.OrderID}
	case HoldConverted:
		return &apperr.Error{Code: apperr.HoldNotActive, Message: "this hold was already converted into order " + h.OrderID, OrderID: h.OrderID}
	}
	return apperr.E(apperr.HoldNotActive, "this hold is %s", h.StatusAt(now))
}

func noSuchHold() error {
	var f apperr.Fields
	f.Add("hold_id", "no such hold")
	return &apperr.Error{Code: apperr.NotFound, Message: "no such hold", Fields: f}
}

// lookupCharge asks the provider whether a charge with key went through.
// No charge means the payment failed without charging (an outage).
func (s *Service) lookupCharge(ctx context.Context, key string) (payment.Charge, error) {
	c, err := s.payments.Lookup(ctx, key)
	switch {
	case err == nil:
		return c, nil
	case errors.Is(err, payment.ErrNoCharge):
		return payment.Charge{}, apperr.E(apperr.Unavailable, "the payment provider is unavailable; nothing was charged, please try again")
	default:
		return payment.Charge{}, fmt.Errorf("%w: %v", errOutcomeUnknown, err)
	}
}

// failOrder records a payment that charged nothing and gives the hold back,
// with its original expiry.
func (s *Service) failOrder(ctx context.Context, orderID string, h Hold) error {
	now := s.clock.Now()
	return s.commits.do(ctx, h.EventID, h.UserID, func(tx Tx, _ *batch) error {
		o, err := tx.Order(ctx, orderID)
		if err != nil {
			return err
		}
		if o.Status != OrderPending {
			return nil // someone (the reconcile job) settled it already
		}
		o.Status, o.UpdatedAt = OrderPaymentFailed, now
		if err := tx.UpdateOrder(ctx, o); err != nil {
			return err
		}
		if err := tx.SetHoldStatus(ctx, h.ID, HoldActive, ""); err != nil {
			return err
		}
		return tx.SetHoldUntil(ctx, h.ID, h.ExpiresAt)
	})
}

// completeOrder turns a charged order's hold into tickets. If the event was
// cancelled meanwhile, the order is cancelled and the charge refunded. The
// confirmation goes to email, or to the buyer's address on file if "".
func (s *Service) completeOrder(ctx context.Context, eventID, orderID, email string, c payment.Charge) (Order, error) {
	// Milliseconds, as the store keeps times: the order this returns is the
	// one a later read gives.
	now := s.clock.Now().Truncate(time.Millisecond)
	var o Order
	var cancelled, completed bool
	err := s.commits.do(ctx, eventID, "", func(tx Tx, b *batch) error {
		var err error
		cancelled, completed = false, false
		if o, err = tx.Order(ctx, orderID); err != nil {
			return err
		}
		if o.Status != OrderPending {
			return nil // already settled by a concurrent reconcile
		}
		e, err := b.event(ctx, tx, o.EventID)
		if err != nil {
			return err
		}
		h, err := tx.Hold(ctx, o.HoldID)
		if err != nil {
			return err
		}
		o.Payment.ChargeID, o.UpdatedAt = c.ID, now
		o.Payment.CardBrand, o.Payment.CardLast4 = c.CardBrand, c.Last4
		if e.Status == catalog.StatusCancelled {
			cancelled = true
			o.Status = OrderCancelled
			if err := tx.ReleaseSeats(ctx, h.ID); err != nil {
				return err
			}
			if err := tx.SetHoldStatus(ctx, h.ID, HoldReleased, o.ID); err != nil {
				return err
			}
			return tx.UpdateOrder(ctx, o)
		}
		n, err := tx.SellSeats(ctx, h.ID, o.ID)
		if err != nil {
			return err
		}
		if n != len(h.Seats) {
			// Cannot happen while holds in payment never expire; if it does,
			// fail loudly rather than sell fewer seats than were paid for.
			return fmt.Errorf("hold %s had %d seats but %d were still held", h.ID, len(h.Seats), n)
		}
		o.Status = OrderPaid
		o.Tickets = make([]Ticket, len(h.Seats))
		for i, st := range h.Seats {
			id := ids.New("tkt")
			o.Tickets[i] = Ticket{ID: id, OrderID: o.ID, EventID: o.EventID, UserID: o.UserID, SeatNo: st.No, SeatID: st.ID,
				Section: st.Section, Row: st.Row, Number: st.Number, Barcode: s.signer.Barcode(id), Status: TicketValid, CreatedAt: now}
		}
		if err := tx.InsertTickets(ctx, o.Tickets); err != nil {
			return err
		}
		if err := tx.SetHoldStatus(ctx, h.ID, HoldConverted, o.ID); err != nil {
			return err
		}
		if err := tx.UpdateOrder(ctx, o); err != nil {
			return err
		}
		completed = true
		return s.enqueueNotice(ctx, tx, o, notify.KindOrderConfirmed, email)
	})
	if err != nil {
		return Order{}, err
	}
	if cancelled {
		if _, err := s.payments.Refund(ctx, payment.RefundRequest{ChargeID: c.ID, IdempotencyKey: "refund_" + o.ID, Reason: "event cancelled"}); err != nil {
			s.log.Error("refund of order for cancelled event failed; reconcile will retry", "order_id", o.ID, "err", err)
		}
		return Order{}, apperr.E(apperr.NotOnSale, "this event was cancelled while you paid; the charge is refunded")
	}
	if !completed && o.Status == OrderPaymentFailed {
		return Order{}, s.refundLateCharge(ctx, o, c)
	}
	if !completed {
		return s.store.Order(ctx, orderID) // settled by someone else
	}
	s.metrics.OrderPaid(o.EventID, len(o.Tickets), o.TotalCents)
	return o, nil
}

// refundLateCharge gives back a charge that came after its order had been
// failed: the checkout stalled between its pending order and the charge
// for longer than the reconcile grace, the reconcile job found no charge
// and gave the hold back, and then the charge went through. The hold is
// the buyer's again (or lapsed), so the money goes back and the buyer is
// asked to try again; the refund is idempotent by order like any other.
func (s *Service) refundLateCharge(ctx context.Context, o Order, c payment.Charge) error {
	_, err := s.payments.Refund(ctx, payment.RefundRequest{ChargeID: c.ID, IdempotencyKey: "refund_" + o.ID,
		Reason: "charged after the order was settled as unpaid"})
	if err != nil {
		s.log.Error("a charge came after its order was failed, and could not be refunded: refund it by hand",
			"order_id", o.ID, "charge_id", c.ID, "err", err)
		return apperr.Wrap(apperr.Unavailable, err, "the payment took too long; your card will be refunded, please try again")
	}
	s.log.Warn("a charge came after its order was failed; refunded", "order_id", o.ID, "charge_id", c.ID)
	return apperr.E(apperr.Unavailable, "the payment took too long and was refunded; please try again")
}

// ReconcilePending settles orders left pending for longer than grace, as
// after a crash between charge and commit: a charge found at the provider
// completes the order, no charge fails it and gives the hold back. It also
// finishes the refunds asked for longer than grace ago and not recorded,
// as after a crash between the provider's refund and its record.
func (s *Service) ReconcilePending(ctx context.Context, grace time.Duration) (int, error) {
	orders, err := s.store.PendingOrders(ctx, s.clock.Now().Add(-grace), 100)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, o := range orders {
		c, err := s.payments.Lookup(ctx, o.ID)
		switch {
		case err == nil:
			_, err = s.completeOrder(ctx, o.EventID, o.ID, "", c)
			if apperr.Is(err, apperr.NotOnSale) {
				err = nil
			}
		case errors.Is(err, payment.ErrNoCharge):
			var h Hold
			if h, err = s.store.Hold(ctx, o.HoldID); err == nil {
				err = s.failOrder(ctx, o.ID, h)
			}
		}
		if err != nil {
			s.log.Error("reconcile order", "order_id", o.ID, "err", err)
			continue
		}
		done++
	}
	refunds, err := s.reconcileRefunds(ctx, grace)
	return done + refunds, err
}
