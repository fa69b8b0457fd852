package booking

import (
	"context"
	"fmt"
	"strings"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/catalog"
	"github.com/boxoffice/boxoffice/internal/ids"
	"github.com/boxoffice/boxoffice/internal/notify"
)

// enqueueConfirmation puts the order's confirmation in the outbox, to
// email, or to the buyer's address on file if "".
func (s *Service) enqueueConfirmation(ctx context.Context, tx Tx, o Order, e catalog.Event, email string) error {
	if email == "" {
		var err error
		if email, err = tx.UserEmail(ctx, o.UserID); err != nil {
			return err
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Thank you for your order %s.\n\n%s\n%s\n\n", o.ID, e.Name, e.StartsAt.Format("Mon 2 Jan 2006 15:04 MST"))
	for _, t := range o.Tickets {
		fmt.Fprintf(&b, "Ticket %s: section %s", t.ID, t.Section)
		if t.Row != nil {
			fmt.Fprintf(&b, ", row %s, seat %d", *t.Row, *t.Number)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\nTotal charged: %d.%02d %s\nYour mobile tickets are in My tickets.\n", o.TotalCents/100, o.TotalCents%100, o.Currency)
	return tx.Enqueue(ctx, notify.Message{ID: ids.New("msg"), Channel: "email", To: email,
		Subject: "Your tickets for " + e.Name, Body: b.String(), CreatedAt: o.UpdatedAt})
}

// Order returns an order with its tickets; only its buyer or an admin sees it.
func (s *Service) Order(ctx context.Context, by account.User, id string) (Order, error) {
	o, err := s.store.Order(ctx, id)
	if err != nil {
		return Order{}, err
	}
	if o.UserID != by.ID && !by.IsAdmin() {
		return Order{}, apperr.E(apperr.NotFound, "no such order")
	}
	return o, nil
}

// Orders lists the caller's orders, newest first; an admin may list all.
func (s *Service) Orders(ctx context.Context, by account.User, all bool, q ListQuery) ([]Order, error) {
	q.UserID = by.ID
	if all && by.IsAdmin() {
		q.UserID = ""
	}
	return s.store.Orders(ctx, q)
}

// Ticket returns a ticket to its owner or an admin.
func (s *Service) Ticket(ctx context.Context, by account.User, id string) (Ticket, error) {
	t, err := s.store.Ticket(ctx, id)
	if err != nil {
		return Ticket{}, err
	}
	if t.UserID != by.ID && !by.IsAdmin() {
		return Ticket{}, apperr.E(apperr.NotFound, "no such ticket")
	}
	return t, nil
}

// Tickets lists the caller's valid tickets.
func (s *Service) Tickets(ctx context.Context, by account.User, q ListQuery) ([]Ticket, error) {
	q.UserID, q.ValidOnly = by.ID, true
	return s.store.Tickets(ctx, q)
}

// CheckIn admits the holder of a genuine, valid barcode once.
func (s *Service) CheckIn(ctx context.Context, by account.User, barcode string) (Ticket, error) {
	if !by.CanCheckIn() {
		return Ticket{}, apperr.E(apperr.Forbidden, "only gate staff can check tickets in")
	}
	id, ok := s.signer.Verify(strings.TrimSpace(barcode))
	if !ok {
		return Ticket{}, apperr.E(apperr.InvalidBarcode, "this barcode is not a Boxoffice ticket")
	}
	now := s.clock.Now()
	var t Ticket
	// The conditional update decides who admits the ticket; only then is
	// the ticket read, so that a scan that lost the race (to another scan
	// or to a refund, on any instance) reads the winner's committed row and
	// says why, instead of acting on what it saw before the race.
	err := s.store.InTx(ctx, func(tx Tx) error {
		did, err := tx.CheckIn(ctx, id, now)
		if err != nil {
			return err
		}
		t, err = tx.Ticket(ctx, id)
		switch {
		case apperr.Is(err, apperr.NotFound):
			return apperr.E(apperr.InvalidBarcode, "no such ticket")
		case err != nil:
			return err
		case did:
			return nil
		case t.Status != TicketValid:
			return apperr.E(apperr.InvalidBarcode, "this ticket is void (refunded or cancelled)")
		case t.CheckedInAt != nil:
			return apperr.E(apperr.AlreadyCheckedIn, "this ticket was already scanned at %s", t.CheckedInAt.UTC().Format("15:04:05 MST"))
		default:
			return apperr.E(apperr.AlreadyCheckedIn, "this ticket was already scanned")
		}
	})
	if err != nil {
		return Ticket{}, fmt.Errorf("check in: %w", err)
	}
	s.metrics.CheckedIn(t.EventID)
	return t, nil
}
