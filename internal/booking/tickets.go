package booking

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/boxoffice/boxoffice/internal/account"
	"github.com/boxoffice/boxoffice/internal/apperr"
	"github.com/boxoffice/boxoffice/internal/ids"
	"github.com/boxoffice/boxoffice/internal/notify"
)

// enqueueNotice puts a message of kind about order o in the outbox, once
// for each channel the buyer chose: to email (the buyer's address on file
// if "") and to the order's phone. Only the kind and the order id are
// written; the message is composed when it is sent (see notify), so an
// on-sale's transactions stay small.
func (s *Service) enqueueNotice(ctx context.Context, tx Tx, o Order, kind, email string) error {
	for _, ch := range o.ConfirmBy {
		to := o.Phone
		if ch == notify.ChannelEmail {
			if email == "" {
				var err error
				if email, err = tx.UserEmail(ctx, o.UserID); err != nil {
					return err
				}
			}
			to = email
		}
		if to == "" {
			continue
		}
		err := tx.Enqueue(ctx, notify.Message{ID: ids.New("msg"), Channel: ch, To: to, Kind: kind, Ref: o.ID, CreatedAt: o.UpdatedAt})
		if err != nil {
			return err
		}
	}
	return nil
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
	ts := []Ticket{t}
	if err := s.withEvents(ctx, ts); err != nil {
		return Ticket{}, err
	}
	return ts[0], nil
}

// Tickets lists the caller's valid tickets.
func (s *Service) Tickets(ctx context.Context, by account.User, q ListQuery) ([]Ticket, error) {
	q.UserID, q.ValidOnly = by.ID, true
	ts, err := s.store.Tickets(ctx, q)
	if err != nil {
		return nil, err
	}
	return ts, s.withEvents(ctx, ts)
}

// withEvents puts each ticket's event on it, reading each event once.
func (s *Service) withEvents(ctx context.Context, ts []Ticket) error {
	seen := map[string]*TicketEvent{}
	for i := range ts {
		te, ok := seen[ts[i].EventID]
		if !ok {
			e, err := s.store.Event(ctx, ts[i].EventID)
			if err != nil {
				return err
			}
			te = &TicketEvent{Name: e.Name, StartsAt: e.StartsAt.UTC(), LocalStartsAt: e.StartsAt.UTC().Format(time.RFC3339)}
			if v := e.Venue; v != nil {
				te.Venue = TicketVenue{ID: v.ID, Name: v.Name, City: v.City, Timezone: v.Timezone}
				if loc, err := time.LoadLocation(v.Timezone); err == nil && v.Timezone != "" {
					te.LocalStartsAt = e.StartsAt.In(loc).Format(time.RFC3339)
				}
			}
			seen[ts[i].EventID] = te
		}
		ts[i].Event = te
	}
	return nil
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
			return errScannedBefore
		default:
			return apperr.E(apperr.AlreadyCheckedIn, "this ticket was already scanned")
		}
	})
	if errors.Is(err, errScannedBefore) {
		// Said at the gate, so in the venue's time zone.
		at := t.CheckedInAt.UTC()
		if e, eerr := s.store.Event(ctx, t.EventID); eerr == nil && e.Venue != nil {
			if loc, lerr := time.LoadLocation(e.Venue.Timezone); lerr == nil && e.Venue.Timezone != "" {
				at = at.In(loc)
			}
		}
		return Ticket{}, apperr.E(apperr.AlreadyCheckedIn, "this ticket was already scanned at %s", at.Format("3:04:05 PM MST"))
	}
	if err != nil {
		return Ticket{}, fmt.Errorf("check in: %w", err)
	}
	s.metrics.CheckedIn(t.EventID)
	return t, nil
}

// errScannedBefore is CheckIn's note, from inside its transaction, that the
// ticket was admitted before; the message is made after, with the time in
// the venue's zone.
var errScannedBefore = errors.New("already scanned")
